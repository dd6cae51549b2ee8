"""When a shopper is asked to rate (issue #17): CSAT after an agent hands the chat back to the bot
and at the end of a bot-only chat, at most once per customer per `csat_every_hours` (a guest: once
per chat); NPS (0-10) after a CSAT answer (or at a bot-only chat's end when no CSAT is due), at most
once per customer per `nps_every_days`, never a guest (nobody to count). An agent closing a chat
always asks CSAT, as before (lifecycle.close). One question at a time: never two forms at once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff_service.core.events import record
from handoff_service.core.models import Conversation, Event, utcnow
from handoff_service.core.texts import say

CSAT_REQUEST, NPS_REQUEST = "csat_request", "nps_request"


async def asked_since(session: AsyncSession, conv: Conversation, kind: str, since: dt.datetime) -> bool:
    """Was this customer (a guest: this chat) sent a `kind` survey since `since`?"""
    query = select(func.count(Event.id)).where(Event.kind == kind, Event.created_at >= since)
    if conv.customer_id:
        chats = select(Conversation.id).where(Conversation.customer_id == conv.customer_id)
        query = query.where(Event.conversation_id.in_(chats))
    else:
        query = query.where(Event.conversation_id == conv.id)
    return bool(await session.scalar(query))


async def ask_csat(
    session: AsyncSession, conv: Conversation, context: str, agent_id: int | None, every_hours: float
) -> bool:
    """Ask for a 1-5 rating in `context` (handback | bot_end) unless asked too recently; True if asked."""
    if await asked_since(session, conv, CSAT_REQUEST, utcnow() - dt.timedelta(hours=every_hours)):
        return False
    await record(
        session, conv.id, CSAT_REQUEST, "system", say(f"csat_request_{context}", conv.lang),
        {"scale": [1, 5], "context": context, "agent_id": agent_id},
    )  # fmt: skip
    return True


async def ask_nps(session: AsyncSession, conv: Conversation, every_days: int) -> bool:
    if not conv.customer_id or await asked_since(session, conv, NPS_REQUEST, utcnow() - dt.timedelta(days=every_days)):
        return False
    await record(session, conv.id, NPS_REQUEST, "system", say("nps_request", conv.lang), {"scale": [0, 10]})
    return True
