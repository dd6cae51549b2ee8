"""Queue order, a shopper's position, and how long they will likely wait."""

from __future__ import annotations

import math

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff_service.core.models import Agent, Conversation, as_utc, utcnow
from handoff_service.core.states import State

PRIORITY_RANK = {"urgent": 0, "important": 1, "routine": 2}
RECENT_HANDLES = 20


def queue_key(conv: Conversation) -> tuple[int, float]:
    """Most urgent first, then longest waiting."""
    waited_since = as_utc(conv.queued_at).timestamp() if conv.queued_at else utcnow().timestamp()
    return PRIORITY_RANK.get(conv.priority or "routine", 2), waited_since


async def waiting(session: AsyncSession) -> list[Conversation]:
    rows = await session.scalars(select(Conversation).where(Conversation.state == State.QUEUED))
    return sorted(rows, key=queue_key)


async def average_handle_seconds(session: AsyncSession, default: float) -> float:
    recent = (
        await session.scalars(
            select(Conversation.handled_seconds)
            .where(Conversation.handled_seconds.is_not(None))
            .order_by(Conversation.released_at.desc())
            .limit(RECENT_HANDLES)
        )
    ).all()
    return sum(recent) / len(recent) if recent else default


async def online_seats(session: AsyncSession) -> int:
    seats = await session.scalar(
        select(func.coalesce(func.sum(Agent.max_concurrent), 0)).where(Agent.active, Agent.status == "online")
    )
    return int(seats or 0)


def wait_estimate(position: int, handle_seconds: float, seats: int) -> int | None:
    """Chats ahead are served `seats` at a time, each taking about `handle_seconds`; with nobody
    online there is no honest estimate (the chat becomes a callback instead)."""
    if seats < 1:
        return None
    return int(math.ceil(position / seats) * handle_seconds)


async def position_of(session: AsyncSession, conversation_id: str, default_handle: float) -> dict[str, int | None] | None:
    """{"position", "wait_seconds"} for a queued chat, None for any other state."""
    order = [c.id for c in await waiting(session)]
    if conversation_id not in order:
        return None
    position = order.index(conversation_id) + 1
    handle = await average_handle_seconds(session, default_handle)
    return {"position": position, "wait_seconds": wait_estimate(position, handle, await online_seats(session))}
