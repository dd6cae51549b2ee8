"""Databases for running the handoff service outside its own process setup: a throw-away
PostgreSQL database and staff accounts created in a service's database.

They live here, not in tests/, because the desk benchmark needs them too and nothing may import
the tests; the tests take them from here (tests/handoff_helpers.py re-exports them).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
AGENT_PASSWORD = "password-123"


@contextmanager
def postgres_database(admin_url: str = POSTGRES_ADMIN) -> Iterator[str]:
    """A fresh PostgreSQL database on the local server, dropped afterwards (even if still in use),
    so a run leaves nothing behind and never shares state with another run."""
    name = f"kefu_test_{uuid.uuid4().hex[:12]}"
    _admin(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        drop_database(name, admin_url)


def drop_database(name: str, admin_url: str = POSTGRES_ADMIN) -> None:
    """Drop a database of the local server if it exists, even while something still uses it (one
    a run made beside its own, e.g. the Rasa server's tracker store)."""
    _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(admin_url: str, sql: str) -> None:
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def add_agent(database_url: str, username: str, **fields: Any) -> None:
    """Create an account (password `AGENT_PASSWORD`) the way `kefu agents add` does, in the
    service's database, migrating it first: the service can then be started on it and logged into."""
    from handoff_service.core.agents import AgentDirectory
    from handoff_service.core.db import make_engine, make_sessionmaker, migrate

    async def main() -> None:
        engine = make_engine(database_url)
        try:
            await migrate(engine)
            directory = AgentDirectory(make_sessionmaker(engine), 12)
            await directory.add(username, AGENT_PASSWORD, fields.pop("display_name", username.title()), **fields)
        finally:
            await engine.dispose()

    asyncio.run(main())
