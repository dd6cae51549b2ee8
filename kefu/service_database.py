"""What `kefu agents …` and `kefu privacy …` share: one piece of work on the handoff service's
database (KEFU_DATABASE_URL, migrated first), run from the command line, with the service's own
errors shown as one line."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import async_sessionmaker

from handoff_service.core.db import make_engine, make_sessionmaker, migrate
from handoff_service.core.errors import KefuError
from handoff_service.settings import Settings

S = TypeVar("S")
T = TypeVar("T")


def run_on_service_database(
    open_service: Callable[[async_sessionmaker, Settings], S], work: Callable[[S], Awaitable[T]], console: Console
) -> T:
    """`work(open_service(sessions, settings))`; a KefuError is printed on `console` and exits 1."""
    settings = Settings()

    async def main() -> T:
        engine = make_engine(settings.database_url)
        try:
            await migrate(engine)
            return await work(open_service(make_sessionmaker(engine), settings))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except KefuError as exc:
        console.print(f"[red]✗[/red] {exc.message}", highlight=False)
        raise typer.Exit(1) from exc
