"""The database engine: SQLite file by default, PostgreSQL by KEFU_DATABASE_URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine


def normalise_url(url: str) -> str:
    """Accept the plain URLs people paste (`postgresql://`, `sqlite:///`) and pick async drivers."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.split(":///", 1)[1]
    return url


def make_engine(url: str, pool_size: int | None = None, max_overflow: int | None = None) -> AsyncEngine:
    """`pool_size` / `max_overflow`: PostgreSQL's connection pool (SQLAlchemy's 5 + 10 when None)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = make_url(url).database or ":memory:"
        # No rollback when a connection goes back to the pool: SQLAlchemy's Connection already rolls
        # back a transaction it leaves open, so the pool's own rollback only ever followed a commit,
        # where it does nothing but cross to aiosqlite's thread (one of a turn's ≈ 30 crossings).
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, pool_reset_on_return=None)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL survives a crash of the service (not of the machine) without an fsync per write.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    pool = {k: v for k, v in (("pool_size", pool_size), ("max_overflow", max_overflow)) if v is not None}
    return create_async_engine(url, pool_pre_ping=True, **pool)


MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest migration; safe for several replicas starting at once."""

    def upgrade(connection: Connection) -> None:
        config = alembic_config(str(engine.url))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # One replica migrates; the others wait for it, then find nothing to do.
            await conn.execute(text("SELECT pg_advisory_xact_lock(4242001)"))
        await conn.run_sync(upgrade)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)
