"""An aiosqlite connection that crosses to its thread once per statement.

aiosqlite runs every call on the connection's own thread, and each crossing (a queue put, a wake-up,
a call back into the event loop) costs the service more CPU than SQLite spends on a chat's statement.
SQLAlchemy makes four crossings for a SELECT (cursor, execute, fetch, close) and a rollback for
every session, even one that only read. Here a statement runs and fetches its rows in one crossing;
making and closing a cursor happen in place (the connection is opened with check_same_thread=False,
as SQLAlchemy opens it, and is used by one session at a time); commit and rollback cross only when a
transaction is open, which is when SQLite would do something.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Iterable
from typing import Any

import aiosqlite
from aiosqlite.context import contextmanager

ITER_CHUNK_SIZE = 64  # aiosqlite's default


class SqliteCursor(aiosqlite.Cursor):
    """Rows are fetched with the statement and served from memory."""

    def __init__(self, conn: aiosqlite.Connection, cursor: sqlite3.Cursor) -> None:
        super().__init__(conn, cursor)
        self._rows: deque[Any] = deque()

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> SqliteCursor:
        cursor = self._cursor

        def run() -> list[Any]:
            cursor.execute(sql, [] if parameters is None else parameters)
            return cursor.fetchall() if cursor.description else []

        self._rows = deque(await self._execute(run))
        return self

    async def fetchone(self) -> Any:  # noqa: ANN401 - a row as sqlite3 returns it
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = min(len(self._rows), self._cursor.arraysize if size is None else size)
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> list[Any]:
        rows, self._rows = list(self._rows), deque()
        return rows

    async def close(self) -> None:
        self._rows.clear()
        self._cursor.close()


class SqliteConnection(aiosqlite.Connection):
    @contextmanager
    async def cursor(self) -> SqliteCursor:  # type: ignore[override]
        return SqliteCursor(self, self._conn.cursor())

    async def commit(self) -> None:
        if self._conn.in_transaction:
            await super().commit()

    async def rollback(self) -> None:
        if self._conn.in_transaction:
            await super().rollback()


async def connect_sqlite(path: str, timeout: float) -> SqliteConnection:
    """Opened as SQLAlchemy's aiosqlite dialect opens a file database (its thread a daemon)."""
    connection = SqliteConnection(
        lambda: sqlite3.connect(path, timeout=timeout, check_same_thread=False), ITER_CHUNK_SIZE
    )
    connection._thread.daemon = True
    return await connection
