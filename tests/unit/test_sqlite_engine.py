"""The SQLite engine (plain aiosqlite under SQLAlchemy) keeps SQLAlchemy's transactions: what a
session commits is kept, what it rolls back or fails on is not, and reads see committed rows."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

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
