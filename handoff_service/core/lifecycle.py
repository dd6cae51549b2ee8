"""Every named move of a conversation between the bot, the queue, a person and its end.

Each move checks that it is allowed (states.py), changes the owner only if nobody changed it
meanwhile (two agents or replicas at once), sets the timestamps that belong to it, and records the
event the shopper and the console see, all in the caller's transaction. Callers ask for a move;
they never set these fields themselves, so every figure read from them later means one thing.
Seats (how many chats an agent holds) are the desk's business and stay there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from handoff_service.core.errors import Conflict
from handoff_service.core.events import record
from handoff_service.core.models import Agent, Conversation, as_utc, iso_utc, utcnow
from handoff_service.core.queue import position_of
from handoff_service.core.states import State, transition
from handoff_service.core.texts import say


def seconds_since(moment: dt.datetime | None) -> float:
    return (utcnow() - as_utc(moment)).total_seconds() if moment else 0.0


async def _move(session: AsyncSession, conv: Conversation, target: State, **values: Any) -> None:
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


def _released() -> dict[str, Any]:
    return {"released_at": utcnow()}


async def queue(
    session: AsyncSession,
    conv: Conversation,
    *,
    reason: str,
    priority: str,
    skill: str | None,
    default_handle_seconds: float,
    notice: str = "queued",
    lang: str | None = None,
) -> dict[str, int]:
    """The bot hands the chat to people; returns the shopper's place and expected wait."""
    await _move(session, conv, State.QUEUED, queued_at=utcnow(), priority=priority, skill=skill)
    status = await position_of(session, conv.id, default_handle_seconds) or {"position": 1, "wait_seconds": 0}
    await record(
        session, conv.id, "state", "system", say(notice, lang or conv.lang, position=status["position"]),
        {"state": State.QUEUED, "reason": reason, "priority": priority, **status},
    )  # fmt: skip
    return status


async def assign(session: AsyncSession, conv: Conversation, agent: Agent, how: str) -> float:
    """A person takes a waiting chat (claimed, auto-assigned); returns how long it waited."""
    waited = seconds_since(conv.queued_at)
    await _move(session, conv, State.AGENT, assigned_agent_id=agent.id, assigned_at=utcnow())
    await _joined(session, conv, agent, how)
    return waited


async def transfer(session: AsyncSession, conv: Conversation, to: Agent) -> None:
    """From one person to another: the chat stays with people, its owner changes."""
    if conv.state != State.AGENT:
        raise Conflict(f"this conversation is {conv.state}, not with an agent")
    result = await session.execute(
        update(Conversation)
        .where(Conversation.id == conv.id, Conversation.assigned_agent_id == conv.assigned_agent_id)
        .values(assigned_agent_id=to.id, assigned_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        await session.rollback()
        raise Conflict("the conversation changed meanwhile; reload and try again")
    await session.refresh(conv)
    await _joined(session, conv, to, "transferred")


async def _joined(session: AsyncSession, conv: Conversation, agent: Agent, how: str) -> None:
    await record(
        session, conv.id, "state", "system", say("agent_joined", conv.lang, agent=agent.display_name),
        {"state": State.AGENT, "agent_name": agent.display_name, "agent_id": agent.id, "how": how},
    )  # fmt: skip


async def requeue(session: AsyncSession, conv: Conversation, team: str | None) -> float:
    """A person sends the chat back to the queue (for a team); returns how long they held it."""
    handled = seconds_since(conv.assigned_at)
    await _move(
        session, conv, State.QUEUED, assigned_agent_id=None, team=team, queued_at=utcnow(),
        handled_seconds=handled, **_released(),
    )  # fmt: skip
    await record(
        session, conv.id, "state", "system", say("transferred", conv.lang),
        {"state": State.QUEUED, "reason": "transfer", "team": team},
    )  # fmt: skip
    return handled


async def hand_back(session: AsyncSession, conv: Conversation, outcome: str, agent_id: int) -> float:
    """A person gives the chat back to the bot; returns how long they held it."""
    handled = seconds_since(conv.assigned_at)
    await _move(
        session, conv, State.BOT, assigned_agent_id=None, queued_at=None, team=None, skill=None,
        handled_seconds=handled, **_released(),
    )  # fmt: skip
    await record(
        session, conv.id, "state", "system", say("back_to_bot", conv.lang),
        {"state": State.BOT, "outcome": outcome, "agent_id": agent_id},
    )  # fmt: skip
    return handled


async def close(session: AsyncSession, conv: Conversation, agent_id: int) -> float:
    """A person ends the chat and the shopper is asked how it went; returns the handle time."""
    handled = seconds_since(conv.assigned_at)
    await _move(session, conv, State.CLOSED, closed_at=utcnow(), handled_seconds=handled, **_released())
    await record(session, conv.id, "state", "system", say("closed", conv.lang), {"state": State.CLOSED, "agent_id": agent_id})
    await record(session, conv.id, "csat_request", "system", say("csat_request", conv.lang), {"scale": [1, 5]})
    return handled


async def end_by_shopper(session: AsyncSession, conv: Conversation) -> None:
    """The shopper ends a chat the bot owns (the widget's "end chat"): a bot-only chat's end."""
    if conv.state != State.BOT:
        raise Conflict(f"only a chat with the assistant can be ended this way; this one is {conv.state}")
    await _move(session, conv, State.CLOSED, closed_at=utcnow())
    await record(session, conv.id, "state", "system", say("ended_by_shopper", conv.lang), {"state": State.CLOSED, "by": "shopper"})


async def abandon(session: AsyncSession, conv: Conversation) -> None:
    """The shopper left while waiting."""
    await _move(session, conv, State.ABANDONED, closed_at=utcnow())
    await record(session, conv.id, "state", "system", say("abandoned", conv.lang), {"state": State.ABANDONED})


async def offer_callback(session: AsyncSession, conv: Conversation, due: dt.datetime, hours: float) -> None:
    """Nobody could answer in time (or the store is closed): promise a call back by `due`."""
    await _move(session, conv, State.CALLBACK, callback_due=due)
    await record(
        session, conv.id, "state", "system", say("callback_offer", conv.lang, hours=hours),
        {"state": State.CALLBACK, "callback_due": iso_utc(due)},
    )  # fmt: skip


def first_response(conv: Conversation) -> bool:
    """Note the first reply of a person in this chat; True if this was it."""
    if conv.first_response_at is not None:
        return False
    conv.first_response_at = utcnow()
    return True

