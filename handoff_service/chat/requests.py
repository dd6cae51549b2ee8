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

from handoff_service.core import events, lifecycle, surveys
from handoff_service.core.errors import AlreadyReceived, BadRequest, Conflict, NotFound
from handoff_service.core.events import StoredEvent
from handoff_service.core.hub import EventHub, notify
from handoff_service.core.metrics import Metrics
from handoff_service.core.models import (
    Conversation,
    Csat,
    Escalation,
    Event,
    Survey,
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
        # Survey limits (core/surveys.py); the app sets them from its settings.
        self.csat_every_hours = 24.0
        self.nps_every_days = 90
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
        """The 1-5 answer to the chat's latest CSAT request: an agent's close (the `csat` table), or a
        hand-back / the end of a bot-only chat (a survey, issue #17)."""
        if not 1 <= score <= 5:
            raise BadRequest("score must be 1 to 5")
        async with self._sessions() as session:
            conv = await session.get(Conversation, conversation_id)
            if conv is None:
                raise NotFound(f"no conversation {conversation_id!r}")
            asked = await session.scalar(
                select(Event.payload).where(Event.conversation_id == conversation_id, Event.kind == "csat_request")
                .order_by(Event.id.desc()).limit(1)
            )  # fmt: skip
            if asked is None:
                raise Conflict("no satisfaction survey was sent for this conversation")
            context = (asked or {}).get("context") or "agent"
            if context == "agent":
                if await session.get(Csat, conversation_id):
                    raise Conflict("this conversation was already rated")
                session.add(Csat(conversation_id=conversation_id, agent_id=conv.assigned_agent_id, score=score, comment=comment[:1000]))
            else:
                await self._answer_survey(session, conv, "csat", context, asked.get("agent_id"), score, comment)
            await events.record(session, conv.id, "csat", "shopper", comment[:1000], {"score": score})
            # One question at a time: "would you recommend us" follows the rating, when it is due.
            await surveys.ask_nps(session, conv, self.nps_every_days)
            await session.commit()
        self._metrics.csat.labels(str(score)).inc()
        notify(self._hub, conversation_id)

    async def _answer_survey(
        self, session: AsyncSession, conv: Conversation, kind: str, context: str, agent_id: int | None, score: int, comment: str
    ) -> None:
        exists = await session.scalar(select(Survey.id).where(Survey.conversation_id == conv.id, Survey.kind == kind))
        if exists:
            raise Conflict("this conversation was already rated")
        session.add(Survey(
            conversation_id=conv.id, customer_id=conv.customer_id, kind=kind, context=context,
            agent_id=agent_id if isinstance(agent_id, int) else None, score=score, comment=comment[:1000],
        ))  # fmt: skip
        try:
            await session.flush()
        except IntegrityError as exc:
            await session.rollback()
            raise Conflict("this conversation was already rated") from exc

    async def answer_nps(self, conversation_id: str, score: int, comment: str) -> None:
        """0-10: would the shopper recommend the store (asked at most once per customer per 90 days)."""
        if not 0 <= score <= 10:
            raise BadRequest("score must be 0 to 10")
        async with self._sessions() as session:
            conv = await session.get(Conversation, conversation_id)
            if conv is None:
                raise NotFound(f"no conversation {conversation_id!r}")
            asked = await session.scalar(
                select(func.count(Event.id)).where(Event.conversation_id == conversation_id, Event.kind == surveys.NPS_REQUEST)
            )
            if not asked:
                raise Conflict("no recommendation question was sent for this conversation")
            await self._answer_survey(session, conv, "nps", "nps", None, score, comment)
            await events.record(session, conv.id, "nps", "shopper", comment[:1000], {"score": score})
            await session.commit()
        notify(self._hub, conversation_id)

    async def end(self, conversation_id: str) -> None:
        """The shopper ends a chat with the bot: asked to rate it (rate-limited), and NPS when due."""
        async with self._sessions() as session:
            conv = await session.get(Conversation, conversation_id)
            if conv is None:
                raise NotFound(f"no conversation {conversation_id!r}")
            await lifecycle.end_by_shopper(session, conv)
            if not await surveys.ask_csat(session, conv, "bot_end", None, self.csat_every_hours):
                await surveys.ask_nps(session, conv, self.nps_every_days)
            await session.commit()
        notify(self._hub, conversation_id)
