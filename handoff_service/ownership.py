"""The two writes everything else builds on: change a chat's owner safely, append an event."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from handoff_service.errors import Conflict
from handoff_service.lifecycle import State, transition
from handoff_service.models import Conversation, Event


async def move(session: AsyncSession, conv: Conversation, target: State, **values: Any) -> None:
    """Change the owner only if nobody changed it meanwhile (two agents or replicas at once)."""
    transition(conv.state, target)
    result = await session.execute(
        update(Conversation)
        .where(Conversation.id == conv.id, Conversation.state == conv.state)
        .values(state=target, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        await session.rollback()
        raise Conflict("the conversation changed meanwhile; reload and try again")
    await session.refresh(conv)


def add_event(
    session: AsyncSession,
    conversation_id: str,
    kind: str,
    sender: str,
    text: str = "",
    payload: dict[str, Any] | None = None,
    client_id: str | None = None,
) -> Event:
    event = Event(
        conversation_id=conversation_id,
        kind=kind,
        sender=sender,
        text=text,
        payload=payload or {},
        client_id=client_id,
    )
    session.add(event)
    return event
