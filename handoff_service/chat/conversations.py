"""The shopper's turns: a chat opened, messages in and owed an answer, relayed to the bot."""

from __future__ import annotations

import logging
import uuid
from typing import Protocol

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff_service.chat import outbox, transcript
from handoff_service.chat.outbox import DueRelay
from handoff_service.chat.relayer import Relayer
from handoff_service.core import events
from handoff_service.core.auth import new_token, token_digest
from handoff_service.core.errors import Conflict, NotFound
from handoff_service.core.events import Appended, Chat, StoredEvent, clean_text
from handoff_service.core.hub import AGENTS, EventHub, notify
from handoff_service.core.metrics import Metrics
from handoff_service.core.models import (
    Conversation,
    ReviewItem,
)
from handoff_service.core.states import State, bot_owns
from kb_index.language import detect_language
from kefu_contract.turn_report import TurnReport

log = logging.getLogger(__name__)

ENDED = "this conversation has ended; start a new one"


class TurnReview(Protocol):
    """What the chat tells the trainers' review inbox (handoff_service.training.review) about a turn."""

    async def record_turn(
        self, conversation_id: str, shopper_event_seq: int, text: str, lang: str, turn: TurnReport
    ) -> ReviewItem | None: ...

    async def feedback(self, conversation_id: str, seq: int, helpful: bool) -> ReviewItem | None: ...


class ChoiceHandler(Protocol):
    """Choices under a proactive message (handoff_service.proactive.choices): a button's payload the
    chat stores as the shopper's message but hands to this handler instead of the bot."""

    def claims(self, text: str) -> bool: ...

    async def choose(self, conversation_id: str, customer_id: str | None, lang: str, text: str) -> None: ...


class _NotStored(Exception):
    """The message was not stored: the chat has ended, or its client id is taken (a retry)."""

    def __init__(self, refusal: str) -> None:
        super().__init__(refusal)
        self.refusal = refusal


class ConversationService:
    """A shopper's turns: open a chat, read it, store a message and owe it an answer (the outbox),
    relay it to the bot (relayer.py). Its data access is Core only, statements built once
    (transcript.py, outbox.py, core/events.py): a turn's statement through the ORM cost ≈ 650 µs of
    CPU here against ≈ 220 µs (SQLite, measured), and a session's unit of work ≈ 100–200 µs more per
    use. Ownership moves and the rarer writes are requests.py's, through the ORM and core/lifecycle."""

    def __init__(
        self, engine: AsyncEngine, hub: EventHub, metrics: Metrics, relayer: Relayer, choices: ChoiceHandler | None = None
    ) -> None:
        """`relayer` relays the messages this service stores to the bot (chat/relayer.py); `choices`
        takes a shopper's click on a proactive message's choice (proactive/choices.py)."""
        self._engine = engine
        self.choices = choices
        self._hub = hub
        self._metrics = metrics
        self.relayer = relayer

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
        await transcript.run(self._engine, transcript.ping)

    # --- shopper messages and the bot -----------------------------------------------------------

    async def add_shopper_message(
        self, conversation_id: str, text: str, client_id: str | None
    ) -> StoredEvent:
        """Store first, then acknowledge; a retry with the same client id returns the same event."""
        text = clean_text(text)
        relayer = self.relayer
        # A stopping replica still stores and acknowledges, and leaves the relay due to any replica.
        owner = relayer.owner if relayer.accepting else None
        choice = self.choices is not None and self.choices.claims(text)

        def store(connection: Connection) -> tuple[Appended, Chat]:
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
                appended = events.append(
                    connection, conversation_id, "message", "shopper", text, {"lang": chat.lang}, client_id
                )
                if bot_owns(chat.state) and not choice:
                    # Owed an answer from now on, whatever happens to this process (chat/outbox.py).
                    outbox.add(connection, appended.event.id, conversation_id, owner, relayer.lease_seconds)
                connection.commit()
            except IntegrityError:
                connection.rollback()
                raise _NotStored("message could not be stored; please retry") from None
            return appended, chat

        try:
            (event, _, before), chat = await transcript.run(self._engine, store)
        except _NotStored as refused:
            return await self._earlier(conversation_id, client_id, refused.refusal)
        to_bot, customer_id, lang = bot_owns(chat.state), chat.customer_id, chat.lang
        self._metrics.messages.labels("shopper").inc()
        notify(self._hub, conversation_id, agents=not to_bot, carried=[(before, event)])
        if choice and to_bot and self.choices is not None:
            await self.choices.choose(conversation_id, customer_id, lang, text)
            return event
        if to_bot and owner is not None:
            relayer.start(DueRelay(event.id, conversation_id, text, lang, customer_id, chat.state))
        return event

    async def _earlier(self, conversation_id: str, client_id: str | None, refusal: str) -> StoredEvent:
        """The message already stored under this client id (a retry), else refuse with `refusal`."""
        if client_id and (existing := await transcript.run(self._engine, transcript.by_client_id, conversation_id, client_id)):
            return existing
        raise Conflict(refusal)

    def shopper_typing(self, conversation_id: str, typing: bool) -> None:
        """Only the agent who owns the chat sees the shopper typing (the console filters by owner)."""
        self._hub.signal(AGENTS, {"type": "typing", "conversation_id": conversation_id, "who": "shopper", "typing": typing})

    async def aclose(self, deadline: float = 0.0) -> None:
        """Stop relaying: what runs gets up to `deadline` seconds, the rest is handed back."""
        await self.relayer.stop(deadline)


