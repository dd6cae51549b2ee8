"""The shopper's side of a conversation: messages in, relay to the bot, escalation, leaving,
callbacks and satisfaction answers."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from handoff_service.chat import outbox, transcript
from handoff_service.chat.outbox import DueRelay
from handoff_service.chat.relayer import Relayer
from handoff_service.core import events, lifecycle
from handoff_service.core.auth import new_token, token_digest
from handoff_service.core.errors import AlreadyReceived, BadRequest, Conflict, NotFound
from handoff_service.core.events import Chat, StoredEvent, clean_text, find_by_client_id
from handoff_service.core.hub import AGENTS, EventHub, notify
from handoff_service.core.metrics import Metrics
from handoff_service.core.models import (
    Conversation,
    Csat,
    Escalation,
    Event,
    ReviewItem,
    as_utc,
    iso_utc,
)
from handoff_service.core.queue import position_of
from handoff_service.core.rasa_client import RasaClient
from handoff_service.core.states import State, bot_owns
from handoff_service.core.texts import say
from kb_index.language import detect_language
from kefu_contract.packet import HandoffPacket
from kefu_contract.turn_report import TurnReport

log = logging.getLogger(__name__)

ENDED = "this conversation has ended; start a new one"


class TurnReview(Protocol):
    """What the chat tells the trainers' review inbox (handoff_service.training.review) about a turn."""

    async def record_turn(
        self, conversation_id: str, shopper_event_seq: int, text: str, lang: str, turn: TurnReport
    ) -> ReviewItem | None: ...

    async def feedback(self, conversation_id: str, seq: int, helpful: bool) -> ReviewItem | None: ...


class _NotStored(Exception):
    """The message was not stored: the chat has ended, or its client id is taken (a retry)."""

    def __init__(self, refusal: str) -> None:
        super().__init__(refusal)
        self.refusal = refusal


class ConversationService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        hub: EventHub,
        rasa: RasaClient,
        metrics: Metrics,
        default_handle_seconds: float,
        timezone: str = "Asia/Shanghai",
        review: TurnReview | None = None,
        relay_lease_seconds: float = 5.0,
    ) -> None:
        self._sessions = sessions
        # A shopper turn's statements run on a bare connection: a session's unit of work cost
        # ≈ 100–200 µs more per use here (SQLite), and they need none of it.
        self._engine: AsyncEngine = sessions.kw["bind"]
        self._review = review
        self._hub = hub
        self._rasa = rasa
        self._metrics = metrics
        self._default_handle = default_handle_seconds
        self._timezone = timezone
        self.relayer = Relayer(
            self._engine, hub, rasa, metrics, self._fallback_to_queue, review, relay_lease_seconds
        )
        # Set by the app: runs auto-assignment whenever the queue changes.
        self.after_queue_change: Callable[[], Awaitable[None]] | None = None

    # --- sessions and events ------------------------------------------------------------------

    async def create(self, customer_id: str | None, lang: str) -> tuple[Conversation, str]:
        token = new_token()
        values = {
            "id": uuid.uuid4().hex, "token_hash": token_digest(token), "customer_id": customer_id, "lang": lang,
            "state": State.BOT,
        }  # fmt: skip

        def store(connection: Connection) -> Conversation:
            conv = transcript.open_chat(connection, **values)
            connection.commit()
            return conv

        return await transcript.run(self._engine, store), token

    async def get(self, conversation_id: str) -> Conversation:
        conv = await transcript.run(self._engine, transcript.chat, conversation_id)
        if conv is None:
            raise NotFound(f"no conversation {conversation_id!r}")
        return conv

    async def events_after(self, conversation_id: str, after: int, limit: int = 500) -> list[StoredEvent]:
        return await transcript.run(self._engine, transcript.events_after, conversation_id, after, limit)

    async def ping(self) -> None:
        """Fails if the database cannot be reached (the health check)."""
        async with self._sessions() as session:
            await session.execute(select(1))

    async def queue_status(self, conversation_id: str) -> dict[str, int] | None:
        async with self._sessions() as session:
            return await position_of(session, conversation_id, self._default_handle)

    # --- shopper messages and the bot -----------------------------------------------------------

    async def add_shopper_message(
        self, conversation_id: str, text: str, client_id: str | None
    ) -> Event | StoredEvent:
        """Store first, then acknowledge; a retry with the same client id returns the same event."""
        text = clean_text(text)
        relayer = self.relayer
        # A stopping replica still stores and acknowledges, and leaves the relay due to any replica.
        owner = relayer.owner if relayer.accepting else None

        def store(connection: Connection) -> tuple[StoredEvent, Chat]:
            # Read before the insert, which may wait for a hand-over's write to finish: a message sent
            # while the bot still owned the chat goes to the bot.
            chat = transcript.chat_state(connection, conversation_id)
            if chat is None:
                raise NotFound(f"no conversation {conversation_id!r}")
            # A retry is caught by the unique client id on insert: no look-up on every message.
            if chat.state in (State.CLOSED, State.ABANDONED):
                raise _NotStored(ENDED)
            # Detected once per turn, here, and carried: to Rasa and the action server in the message's
            # metadata, to the review inbox with the event. A button's payload says nothing of it.
            if not text.startswith("/") and (detected := detect_language(text, chat.lang)) != chat.lang:
                transcript.set_lang(connection, conversation_id, detected)
                chat = chat._replace(lang=detected)
            try:
                event, _ = events.append(
                    connection, conversation_id, "message", "shopper", text, {"lang": chat.lang}, client_id
                )
                if bot_owns(chat.state):
                    # Owed an answer from now on, whatever happens to this process (chat/outbox.py).
                    outbox.add(connection, event.id, conversation_id, owner, relayer.lease_seconds)
                connection.commit()
            except IntegrityError:
                connection.rollback()
                raise _NotStored("message could not be stored; please retry") from None
            return event, chat

        try:
            event, chat = await transcript.run(self._engine, store)
        except _NotStored as refused:
            return await self._earlier(conversation_id, client_id, refused.refusal)
        to_bot, customer_id, lang = bot_owns(chat.state), chat.customer_id, chat.lang
        self._metrics.messages.labels("shopper").inc()
        notify(self._hub, conversation_id, agents=not to_bot)
        if to_bot and owner is not None:
            relayer.start(DueRelay(event.id, conversation_id, text, lang, customer_id, chat.state))
        return event

    async def _earlier(self, conversation_id: str, client_id: str | None, refusal: str) -> Event:
        """The message already stored under this client id (a retry), else refuse with `refusal`."""
        async with self._sessions() as session:
            if existing := await find_by_client_id(session, conversation_id, client_id):
                return existing
        raise Conflict(refusal)

    def shopper_typing(self, conversation_id: str, typing: bool) -> None:
        """Only the agent who owns the chat sees the shopper typing (the console filters by owner)."""
        self._hub.signal(AGENTS, {"type": "typing", "conversation_id": conversation_id, "who": "shopper", "typing": typing})

    async def _fallback_to_queue(self, conversation_id: str, lang: str) -> None:
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

    async def leave_contact(self, conversation_id: str, contact: str) -> Event:
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

    async def aclose(self, deadline: float = 0.0) -> None:
        """Stop relaying: what runs gets up to `deadline` seconds, the rest is handed back."""
        await self.relayer.stop(deadline)


