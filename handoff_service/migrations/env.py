"""Alembic environment. The service runs migrations at start-up on its own connection
(`config.attributes["connection"]`); `alembic -c handoff_service/alembic.ini upgrade head` works too."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from handoff_service.core.db import make_engine
from handoff_service.core.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_run_with_own_engine(config.get_main_option("sqlalchemy.url")))
