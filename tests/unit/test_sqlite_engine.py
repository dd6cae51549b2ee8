"""The SQLite engine (plain aiosqlite under SQLAlchemy) keeps SQLAlchemy's transactions: what a
session commits is kept, what it rolls back or fails on is not, and reads see committed rows."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from handoff_service.chat import transcript
from handoff_service.core.db import make_engine, make_sessionmaker, migrate
from handoff_service.core.models import Conversation, Event


def conversation(cid: str) -> Conversation:
    return Conversation(id=cid, token_hash="x" * 64, lang="zh", state="bot")


async def check_transactions(database: str) -> None:
    engine = make_engine(database)
    await migrate(engine)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session:
            session.add(conversation("kept"))
            session.add_all(
                Event(conversation_id="kept", kind="message", sender="shopper", text=f"m{n}", client_id=f"c{n}")
                for n in range(150)
            )
            await session.commit()
        async with sessions() as session:
            session.add(conversation("dropped"))
            await session.flush()
            await session.rollback()
        async with sessions() as session:
            session.add(Event(conversation_id="kept", kind="message", sender="shopper", text="again", client_id="c1"))
            with pytest.raises(IntegrityError):
                await session.commit()
        async with sessions() as session:
            ids = list(await session.scalars(select(Conversation.id).order_by(Conversation.id)))
            texts = list(await session.scalars(select(Event.text).order_by(Event.id)))
            first = await session.scalar(select(Event.text).order_by(Event.id).limit(1))
            streamed = [e.text async for e in await session.stream_scalars(select(Event).order_by(Event.id))]
        assert ids == ["kept"]
        assert texts == [f"m{n}" for n in range(150)] == streamed
        assert first == "m0"
    finally:
        await engine.dispose()


def test_sqlite_sessions_keep_commits_and_drop_rollbacks(tmp_path: Path) -> None:
    asyncio.run(check_transactions(f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"))


async def check_nothing_stays_open(database: str) -> None:
    """The pool does not roll back what it takes back (core/db.py): whatever an exchange left
    uncommitted, by an error or by being cancelled, is still rolled back, and holds no lock."""
    engine = make_engine(database)
    await migrate(engine)
    try:

        def write_then_fail(connection: Connection) -> None:
            transcript.open_chat(connection, id="failed", token_hash="x" * 64, customer_id=None, lang="zh", state="bot")
            raise RuntimeError("the exchange fails before its commit")

        with pytest.raises(RuntimeError):
            await transcript.run(engine, write_then_fail)

        async def write_then_wait() -> None:
            async with engine.connect() as connection:
                await connection.run_sync(transcript.open_chat, id="cancelled", token_hash="x" * 64, customer_id=None, lang="zh", state="bot")
                await asyncio.sleep(30)  # cancelled here, holding SQLite's write lock

        cancelled = asyncio.create_task(write_then_wait())
        await asyncio.sleep(0.3)
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled

        def write_and_commit(connection: Connection) -> list[str]:
            transcript.open_chat(connection, id="kept", token_hash="x" * 64, customer_id=None, lang="zh", state="bot")
            connection.commit()
            return list(connection.execute(select(Conversation.id)).scalars())

        # A connection still holding the write lock would make this wait 30 s.
        kept = await asyncio.wait_for(transcript.run(engine, write_and_commit), 10)
        assert kept == ["kept"]
    finally:
        await engine.dispose()


def test_a_failed_or_cancelled_exchange_leaves_nothing_behind(tmp_path: Path) -> None:
    asyncio.run(check_nothing_stays_open(f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"))
