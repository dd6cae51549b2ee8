"""An aiosqlite connection that crosses to its thread once per statement.

aiosqlite runs every call on the connection's own thread, and each crossing (a queue put, a wake-up,
a call back into the event loop) costs the service more CPU than SQLite spends on a chat's statement.
SQLAlchemy makes four crossings for a SELECT (cursor, execute, fetch, close) and a rollback for
every session, even one that only read. Here a statement runs and fetches its rows in one crossing;
making and closing a cursor happen in place (the connection is opened with check_same_thread=False,
as SQLAlchemy opens it, and is used by one session at a time); commit and rollback cross only when a
transaction is open, which is when SQLite would do something.

A SELECT outside a transaction does not cross at all when the connection's thread has nothing of
ours queued or running: in WAL mode a reader takes no lock and waits for no writer, and a chat's
read (its events after a cursor, its state) takes SQLite some 10 µs where the crossing costs two
thread wake-ups (≈ 0.45 ms of handoff CPU per shopper turn with a real Rasa, which makes two such
reads, interleaved A/B). Writes, and reads inside a write, still run on the thread, where waiting
for another writer's lock blocks no one else.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable, Iterable
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

        connection = self._conn
        if isinstance(connection, SqliteConnection) and connection.may_read_in_place(sql):
            self._rows = deque(run())
        else:
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
    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int) -> None:
        super().__init__(connector, iter_chunk_size)
        # Calls handed to the thread, and calls it has finished: each counter has one writer.
        self._handed = 0
        self._finished = 0

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        def counted() -> Any:  # noqa: ANN401 - whatever fn returns
            try:
                return fn(*args, **kwargs)
            finally:
                self._finished += 1  # on the connection's thread

        self._handed += 1
        return await super()._execute(counted)

    def may_read_in_place(self, sql: str) -> bool:
        """A SELECT outside a transaction, and the thread idle (a cancelled call may still run there)."""
        return (
            self._handed == self._finished
            and not self._conn.in_transaction
            and sql.lstrip()[:6].upper() == "SELECT"
        )

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
