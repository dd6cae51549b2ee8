"""What happens to a conversation: messages in, relay to the bot, escalation, claim, hand-back."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff_service.auth import new_token, token_digest
from handoff_service.errors import BadRequest, Conflict, Forbidden, NotFound, RasaUnavailable
from handoff_service.hub import AGENTS, EventHub, conversation_channel
from handoff_service.lifecycle import State, bot_owns, transition
from handoff_service.models import Agent, Conversation, Escalation, Event, iso_utc, utcnow
from handoff_service.packet import HandoffPacket
from handoff_service.rasa_client import RasaClient
from handoff_service.texts import say
from kb_index.language import detect_language

log = logging.getLogger(__name__)

MAX_TEXT = 2000
PRIORITY_RANK = {"urgent": 0, "important": 1, "routine": 2}
HANDOFF_OUTCOME_SLOT = "handoff_outcome"


def event_public(event: Event) -> dict[str, Any]:
    return {
        "seq": event.id,
        "conversation_id": event.conversation_id,
        "kind": event.kind,
        "sender": event.sender,
        "text": event.text,
        "payload": event.payload or {},
        "client_id": event.client_id,
        "created_at": iso_utc(event.created_at),
    }


def clean_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise BadRequest("message text is empty")
    if len(text) > MAX_TEXT:
        raise BadRequest(f"message text is longer than {MAX_TEXT} characters")
    return text


class ConversationService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], hub: EventHub, rasa: RasaClient) -> None:
        self._sessions = sessions
        self._hub = hub
        self._rasa = rasa
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # --- shoppers -------------------------------------------------------------------------

    async def create(self, customer_id: str | None, lang: str) -> tuple[Conversation, str]:
        token = new_token()
        conv = Conversation(
            id=uuid.uuid4().hex, token_hash=token_digest(token), customer_id=customer_id, lang=lang, state=State.BOT
        )
        async with self._sessions() as session:
            session.add(conv)
            await session.commit()
        return conv, token

    async def get(self, conversation_id: str) -> Conversation:
        async with self._sessions() as session:
            conv = await session.get(Conversation, conversation_id)
        if conv is None:
            raise NotFound(f"no conversation {conversation_id!r}")
        return conv

    async def events_after(self, conversation_id: str, after: int, limit: int = 500) -> list[Event]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Event)
                .where(Event.conversation_id == conversation_id, Event.id > after)
                .order_by(Event.id)
                .limit(limit)
            )
            return list(rows)

    async def add_shopper_message(self, conversation_id: str, text: str, client_id: str | None) -> Event:
        """Store first, then acknowledge; a retry with the same client id returns the same event."""
        text = clean_text(text)
        async with self._sessions() as session:
            conv = await session.get(Conversation, conversation_id)
            if conv is None:
                raise NotFound(f"no conversation {conversation_id!r}")
            if conv.state in (State.CLOSED, State.ABANDONED):
                raise Conflict("this conversation has ended; start a new one")
            if client_id:
                existing = await session.scalar(
                    select(Event).where(Event.conversation_id == conversation_id, Event.client_id == client_id)
                )
                if existing is not None:
                    return existing
            conv.lang = detect_language(text, conv.lang)
            event = Event(
                conversation_id=conversation_id, kind="message", sender="shopper", text=text, client_id=client_id
            )
            session.add(event)
            try:
                await session.commit()
            except IntegrityError:
                await session.rollback()
                return await self._event_by_client_id(conversation_id, client_id)
            to_bot = bot_owns(conv.state)
            customer_id, lang = conv.customer_id, conv.lang
        self._hub.publish(conversation_channel(conversation_id), AGENTS)
        if to_bot:
            self._spawn(self._relay(conversation_id, text, customer_id, lang))
        return event

    async def _event_by_client_id(self, conversation_id: str, client_id: str | None) -> Event:
        async with self._sessions() as session:
            event = await session.scalar(
                select(Event).where(Event.conversation_id == conversation_id, Event.client_id == client_id)
            )
        if event is None:
            raise Conflict("message could not be stored; please retry")
        return event

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _relay(self, conversation_id: str, text: str, customer_id: str | None, lang: str) -> None:
        """Pass one shopper message to Rasa and store its replies, one message at a time per chat."""
        lock = self._locks.setdefault(conversation_id, asyncio.Lock())
        async with lock:
            metadata = {"customer_id": customer_id, "lang": lang}
            try:
                replies = await self._rasa.send(conversation_id, text, metadata)
                if not replies and bot_owns((await self.get(conversation_id)).state):
                    # Rasa answers [] when its action server is down: silence would be a dead end.
                    raise RasaUnavailable("rasa returned no reply")
            except RasaUnavailable as exc:
                log.warning("handoff.rasa.unavailable", extra={"conversation_id": conversation_id, "error": str(exc)})
                await self._fallback_to_queue(conversation_id, lang)
                return
            async with self._sessions() as session:
                for reply in replies:
                    payload = {k: reply[k] for k in ("buttons", "custom", "image") if reply.get(k)}
                    session.add(
                        Event(
                            conversation_id=conversation_id,
                            kind="message",
                            sender="bot",
                            text=str(reply.get("text") or ""),
                            payload=payload,
                        )
                    )
                await session.commit()
            self._hub.publish(conversation_channel(conversation_id), AGENTS)

    async def _fallback_to_queue(self, conversation_id: str, lang: str) -> None:
        """Rasa is down: never a dead end; queue the chat for a person with what we know."""
        packet = HandoffPacket(conversation_id=conversation_id, reason="bot_unavailable", language=lang)
        try:
            await self.escalate(packet, signature=None, notice_key="bot_unavailable")
        except Conflict:
            pass

    # --- escalation -------------------------------------------------------------------------

    async def escalate(self, packet: HandoffPacket, signature: str | None, notice_key: str = "queued") -> int:
        """Queue the chat for a person; returns the shopper's queue position."""
        async with self._sessions() as session:
            conv = await session.get(Conversation, packet.conversation_id)
            if conv is None:
                raise NotFound(f"no conversation {packet.conversation_id!r}")
            await self._move(session, conv, State.QUEUED, queued_at=utcnow(), priority=packet.priority)
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
                raise Conflict("this escalation was already received (replayed post)") from exc
            position = await self._queue_position(session, conv)
            lang = packet.language or conv.lang
            session.add(
                Event(
                    conversation_id=conv.id,
                    kind="state",
                    sender="system",
                    text=say(notice_key, lang, position=position),
                    payload={"state": State.QUEUED, "reason": packet.reason, "position": position},
                )
            )
            await session.commit()
        log.info("handoff.escalation.created", extra={"conversation_id": conv.id, "reason": packet.reason})
        self._hub.publish(conversation_channel(conv.id), AGENTS)
        return position

    async def _queue_position(self, session: AsyncSession, conv: Conversation) -> int:
        queued = (await session.scalars(select(Conversation).where(Conversation.state == State.QUEUED))).all()
        order = sorted(queued, key=lambda c: (PRIORITY_RANK.get(c.priority or "routine", 2), c.queued_at or utcnow()))
        ids = [c.id for c in order]
        return ids.index(conv.id) + 1 if conv.id in ids else len(ids)

    async def _move(self, session: AsyncSession, conv: Conversation, target: State, **values: Any) -> None:
        """Change the owner only if nobody changed it meanwhile (two agents claiming at once)."""
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

    # --- agents -------------------------------------------------------------------------------

    async def queue(self) -> list[dict[str, Any]]:
        """Chats waiting for a person or with one, most urgent and longest waiting first."""
        async with self._sessions() as session:
            convs = (
                await session.scalars(select(Conversation).where(Conversation.state.in_([State.QUEUED, State.AGENT])))
            ).all()
            items = []
            for conv in convs:
                escalation = await self._latest_escalation(session, conv.id)
                items.append(
                    {
                        "conversation_id": conv.id,
                        "state": conv.state,
                        "customer_id": conv.customer_id,
                        "lang": conv.lang,
                        "priority": conv.priority or "routine",
                        "reason": escalation.reason if escalation else None,
                        "queued_at": iso_utc(conv.queued_at),
                        "assigned_agent_id": conv.assigned_agent_id,
                    }
                )
        items.sort(key=lambda i: (i["state"] != State.QUEUED, PRIORITY_RANK[i["priority"]], i["queued_at"] or ""))
        return items

    async def _latest_escalation(self, session: AsyncSession, conversation_id: str) -> Escalation | None:
        return await session.scalar(
            select(Escalation).where(Escalation.conversation_id == conversation_id).order_by(Escalation.id.desc())
        )

    async def detail(self, conversation_id: str) -> dict[str, Any]:
        async with self._sessions() as session:
            conv = await session.get(Conversation, conversation_id)
            if conv is None:
                raise NotFound(f"no conversation {conversation_id!r}")
            escalation = await self._latest_escalation(session, conversation_id)
            events = (
                await session.scalars(select(Event).where(Event.conversation_id == conversation_id).order_by(Event.id))
            ).all()
        packet = escalation.packet if escalation else {}
        return {
            "conversation_id": conv.id,
            "state": conv.state,
            "lang": conv.lang,
            "customer_id": conv.customer_id,
            "assigned_agent_id": conv.assigned_agent_id,
            "escalation": {
                "reason": escalation.reason,
                "priority": escalation.priority,
                "summary": packet.get("summary", ""),
                "transcript": packet.get("transcript", []),
                "slots": packet.get("slots", {}),
            }
            if escalation
            else None,
            "customer": packet.get("customer"),
            "events": [event_public(e) for e in events],
        }

    async def claim(self, agent: Agent, conversation_id: str) -> None:
        async with self._sessions() as session:
            conv = await session.get(Conversation, conversation_id)
            if conv is None:
                raise NotFound(f"no conversation {conversation_id!r}")
            await self._move(session, conv, State.AGENT, assigned_agent_id=agent.id)
            session.add(
                Event(
                    conversation_id=conv.id,
                    kind="state",
                    sender="system",
                    text=say("agent_joined", conv.lang, agent=agent.display_name),
                    payload={"state": State.AGENT, "agent_name": agent.display_name},
                )
            )
            await session.commit()
        log.info("handoff.conversation.claimed", extra={"conversation_id": conversation_id, "agent": agent.username})
        self._hub.publish(conversation_channel(conversation_id), AGENTS)

    async def _owned_by(self, session: AsyncSession, agent: Agent, conversation_id: str) -> Conversation:
        conv = await session.get(Conversation, conversation_id)
        if conv is None:
            raise NotFound(f"no conversation {conversation_id!r}")
        if conv.state != State.AGENT or conv.assigned_agent_id != agent.id:
            raise Forbidden("this conversation is not assigned to you")
        return conv

    async def add_agent_message(self, agent: Agent, conversation_id: str, text: str, client_id: str | None) -> Event:
        text = clean_text(text)
        async with self._sessions() as session:
            await self._owned_by(session, agent, conversation_id)
            if client_id:
                existing = await session.scalar(
                    select(Event).where(Event.conversation_id == conversation_id, Event.client_id == client_id)
                )
                if existing is not None:
                    return existing
            event = Event(
                conversation_id=conversation_id,
                kind="message",
                sender="agent",
                text=text,
                client_id=client_id,
                payload={"agent_name": agent.display_name},
            )
            session.add(event)
            await session.commit()
        self._hub.publish(conversation_channel(conversation_id), AGENTS)
        return event

    async def hand_back(self, agent: Agent, conversation_id: str, outcome: str) -> None:
        """Give the chat back to the bot, and tell the bot's tracker how it was resolved."""
        async with self._sessions() as session:
            conv = await self._owned_by(session, agent, conversation_id)
            await self._move(session, conv, State.BOT, assigned_agent_id=None, queued_at=None)
            session.add(
                Event(
                    conversation_id=conv.id,
                    kind="state",
                    sender="system",
                    text=say("back_to_bot", conv.lang),
                    payload={"state": State.BOT, "outcome": outcome},
                )
            )
            await session.commit()
        self._hub.publish(conversation_channel(conversation_id), AGENTS)
        try:
            await self._rasa.set_slot(conversation_id, HANDOFF_OUTCOME_SLOT, outcome)
        except RasaUnavailable as exc:
            log.warning("handoff.rasa.outcome_not_told", extra={"conversation_id": conversation_id, "error": str(exc)})

    async def ping(self) -> None:
        """Fails if the database cannot be reached (the health check)."""
        async with self._sessions() as session:
            await session.execute(select(1))

    async def last_event_id(self) -> int:
        async with self._sessions() as session:
            return int(await session.scalar(select(func.max(Event.id))) or 0)

    async def events_for_agent(self, agent_id: int, after: int) -> list[Event]:
        """New events of the chats this agent owns now (what their console must show at once)."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Event)
                .join(Conversation, Conversation.id == Event.conversation_id)
                .where(Event.id > after, Conversation.assigned_agent_id == agent_id)
                .order_by(Event.id)
            )
            return list(rows)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

