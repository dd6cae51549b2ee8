"""What shoppers and the bot ask of a chat beyond a turn: a person (escalation, or the fallback when
the bot cannot answer), leaving the queue, a callback contact, a rating, the place in the queue.

Its data access is the ORM's, in one session per request, and every change of owner goes through
core/lifecycle.py, as the desk's do; the per-turn path (conversations.py) is Core only."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff_service.core import events, lifecycle
from handoff_service.core.errors import AlreadyReceived, BadRequest, Conflict, NotFound
from handoff_service.core.events import StoredEvent
from handoff_service.core.hub import EventHub, notify
from handoff_service.core.metrics import Metrics
from handoff_service.core.models import (
    Conversation,
    Csat,
    Escalation,
    Event,
    as_utc,
    iso_utc,
)
from handoff_service.core.queue import position_of
from handoff_service.core.states import State
from handoff_service.core.texts import say
from kefu_contract.packet import HandoffPacket

log = logging.getLogger(__name__)


class ChatRequests:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        hub: EventHub,
        metrics: Metrics,
        default_handle_seconds: float,
        timezone: str = "Asia/Shanghai",
    ) -> None:
        self._sessions = sessions
        self._hub = hub
        self._metrics = metrics
        self._default_handle = default_handle_seconds
        self._timezone = timezone
        # Set by the app: runs auto-assignment whenever the queue changes.
        self.after_queue_change: Callable[[], Awaitable[None]] | None = None

    async def queue_status(self, conversation_id: str) -> dict[str, int] | None:
        async with self._sessions() as session:
            return await position_of(session, conversation_id, self._default_handle)

    async def fall_back(self, conversation_id: str, lang: str) -> None:
        """Rasa is down: never a dead end; queue the chat for a person with what we know."""
        packet = HandoffPacket(conversation_id=conversation_id, reason="bot_unavailable", language=lang)
        try:
            await self.escalate(packet, signature=None, notice_key="bot_unavailable")
        except Conflict:
            pass

    # --- escalation -----------------------------------------------------------------------------

    async def escalate(self, packet: HandoffPacket, signature: str | None, notice_key: str = "queued") -> int:
        """Queue the chat for a person; returns the shopper's queue position."""
        async with self._sessions() as session:
            conv = await session.get(Conversation, packet.conversation_id)
            if conv is None:
                raise NotFound(f"no conversation {packet.conversation_id!r}")
            if packet.customer and packet.customer.customer_id != conv.customer_id:
                # The console shows only the customer the chat was verified as.
                packet = packet.model_copy(update={"customer": None})
            latest = await session.scalar(
                select(Escalation.packet).where(Escalation.conversation_id == conv.id).order_by(Escalation.id.desc()).limit(1)
            )
            if conv.state != State.BOT and latest == packet.model_dump(mode="json"):
                raise AlreadyReceived("this escalation was already received; the chat is queued")
            skill = packet.slots.get("skill") if isinstance(packet.slots.get("skill"), str) else None
            if packet.holding_message:
                await events.record(session, conv.id, "message", "bot", packet.holding_message, {"holding": True})
            status = await lifecycle.queue(
                session, conv, reason=packet.reason, priority=packet.priority, skill=skill,
                default_handle_seconds=self._default_handle, notice=notice_key,
                lang=packet.language,
            )  # fmt: skip
            session.add(
                Escalation(
                    conversation_id=conv.id,
                    reason=packet.reason,
                    priority=packet.priority,
                    packet=packet.model_dump(mode="json"),
                    signature=signature,
                )
            )
            try:
                await session.flush()
            except IntegrityError as exc:
                await session.rollback()
                raise AlreadyReceived("this escalation was already received (replayed post)") from exc
            await session.commit()
        log.info("handoff.escalation.created", extra={"conversation_id": conv.id, "reason": packet.reason})
        self._metrics.escalations.labels(packet.reason).inc()
        notify(self._hub, conv.id, queue_changed=True)
        if self.after_queue_change:
            await self.after_queue_change()
        return status["position"]

    # --- leaving, callbacks, satisfaction ---------------------------------------------------------

    async def leave(self, conversation_id: str) -> None:
        """The shopper closed the chat while it waited: the queue should not keep it."""
        async with self._sessions() as session:
            conv = await session.get(Conversation, conversation_id)
            if conv is None:
                raise NotFound(f"no conversation {conversation_id!r}")
            await lifecycle.abandon(session, conv)
            await session.commit()
        notify(self._hub, conversation_id, queue_changed=True)

    async def leave_contact(self, conversation_id: str, contact: str) -> StoredEvent:
        contact = contact.strip()
        if not 3 <= len(contact) <= 128:
            raise BadRequest("leave a phone number or an email address")
        async with self._sessions() as session:
            conv = await session.get(Conversation, conversation_id)
            if conv is None:
                raise NotFound(f"no conversation {conversation_id!r}")
            if conv.state != State.CALLBACK:
                raise Conflict("a contact is asked for only when no one could answer in time")
            conv.callback_contact = contact
            due = conv.callback_due
            event = await events.record(
                session,
                conv.id,
                "state",
                "system",
                say("callback_confirmed", conv.lang, contact=contact, due=self._local_time(due)),
                {"state": State.CALLBACK, "contact_saved": True, "callback_due": iso_utc(due)},
            )
            await session.commit()
        notify(self._hub, conversation_id)
        return event

    def _local_time(self, moment: dt.datetime | None) -> str:
        if moment is None:
            return ""
        return as_utc(moment).astimezone(ZoneInfo(self._timezone)).strftime("%m-%d %H:%M")

    async def answer_csat(self, conversation_id: str, score: int, comment: str) -> None:
        if not 1 <= score <= 5:
            raise BadRequest("score must be 1 to 5")
        async with self._sessions() as session:
            conv = await session.get(Conversation, conversation_id)
            if conv is None:
                raise NotFound(f"no conversation {conversation_id!r}")
            asked = await session.scalar(
                select(func.count(Event.id)).where(Event.conversation_id == conversation_id, Event.kind == "csat_request")
            )
            if not asked:
                raise Conflict("no satisfaction survey was sent for this conversation")
            if await session.get(Csat, conversation_id):
                raise Conflict("this conversation was already rated")
            session.add(Csat(conversation_id=conversation_id, agent_id=conv.assigned_agent_id, score=score, comment=comment[:1000]))
            await events.record(session, conv.id, "csat", "shopper", comment[:1000], {"score": score})
            await session.commit()
        self._metrics.csat.labels(str(score)).inc()
        notify(self._hub, conversation_id)
