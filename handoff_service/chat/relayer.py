"""The relay of shopper messages to the bot, from the outbox (chat/outbox.py): at once in the
replica that stored the message, and by every replica's worker for relays whose holder went away.

Each relay ends with an outcome: answered (the bot's replies stored with it, in one transaction),
queued (the bot could not answer, for any reason: the chat waits for a person and the shopper is
told in their language), or failed (the chat had ended, or was no longer the bot's). A relay that
could not even record its outcome (the database went away) stays due: its lease runs out and a
replica takes it again."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff_service.chat import outbox, transcript
from handoff_service.chat.outbox import DueRelay
from handoff_service.core import events
from handoff_service.core.errors import RasaUnavailable
from handoff_service.core.events import Chat, StoredEvent
from handoff_service.core.hub import EventHub, conversation_channel, notify
from handoff_service.core.metrics import Metrics
from handoff_service.core.models import utcnow
from handoff_service.core.rasa_client import RasaClient
from handoff_service.core.states import bot_owns
from kefu_contract import turn_report
from kefu_contract.metadata import MessageMetadata, is_language
from kefu_contract.turn_report import TurnReport

log = logging.getLogger(__name__)


class TurnRecorder(Protocol):
    async def record_turn(self, conversation_id: str, shopper_event_seq: int, text: str, lang: str, turn: TurnReport) -> Any: ...


def split_turns(replies: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[TurnReport]]:
    """The replies the shopper should see (without the bot's turn report), and the turn reports
    this service can read (kefu_contract.turn_report); a reply that only carried a report is dropped."""
    visible: list[dict[str, Any]] = []
    turns: list[TurnReport] = []
    for reply in replies:
        reply = dict(reply)
        custom = dict(reply["custom"]) if isinstance(reply.get("custom"), dict) else reply.get("custom")
        if isinstance(custom, dict):
            if (turn := TurnReport.from_wire(custom.pop(turn_report.KEY, None))) is not None:
                turns.append(turn)
            reply["custom"] = custom
        if any(reply.get(key) for key in ("text", "buttons", "custom", "image")):
            visible.append(reply)
    return visible, turns


def metadata(seq: int, customer_id: str | None, lang: str) -> dict[str, Any]:
    """What Rasa passes on to the action server with the message (kefu_contract.metadata): the
    message id lets a relay done twice be recognised as the same message."""
    carried = MessageMetadata(language=lang if is_language(lang) else None, message_id=str(seq))
    return {"customer_id": customer_id, "lang": lang, **carried.to_metadata()}


class Relayer:
    def __init__(
        self,
        engine: AsyncEngine,
        hub: EventHub,
        rasa: RasaClient,
        metrics: Metrics,
        fall_back: Callable[[str, str], Awaitable[None]],
        review: TurnRecorder | None,
        lease_seconds: float,
    ) -> None:
        """`fall_back(conversation_id, lang)` queues the chat for a person and tells the shopper."""
        self._engine = engine
        self._hub = hub
        self._rasa = rasa
        self._metrics = metrics
        self._fall_back = fall_back
        self._review = review
        self.lease_seconds = lease_seconds
        # Who holds leases: this process, this start (a restarted replica is someone new; what the
        # old one held becomes due when its lease runs out, within lease_seconds).
        self.owner = f"{uuid.uuid4().hex[:12]}"
        self.accepting = True
        self._locks: dict[str, asyncio.Lock] = {}
        self._running: dict[int, asyncio.Task[None]] = {}

    def start(self, relay: DueRelay) -> None:
        """Relay a message this replica holds the lease of, in a task of its own."""
        if relay.event_id in self._running:
            return
        task = asyncio.get_running_loop().create_task(self._relay(relay))
        self._running[relay.event_id] = task
        task.add_done_callback(lambda _: self._running.pop(relay.event_id, None))

    async def work(self) -> None:
        """One pass of the worker: keep holding what runs here, take what is due (a holder that
        went away, a relay handed back) and relay it."""
        if not self.accepting:
            return
        await transcript.run(self._engine, outbox.renew, self.owner, list(self._running), self.lease_seconds)
        for relay in await transcript.run(self._engine, outbox.claim, self.owner, self.lease_seconds, 50):
            log.info("handoff.relay.taken_over", extra={"conversation_id": relay.conversation_id, "seq": relay.event_id})
            self.start(relay)

    async def _relay(self, relay: DueRelay) -> None:
        """Pass one shopper message to Rasa and store its replies, one message at a time per chat; the
        bot's report of how it understood the turn goes to the review inbox, not the shopper."""
        cid = relay.conversation_id
        lock = self._locks.setdefault(cid, asyncio.Lock())
        try:
            async with lock:
                if not bot_owns(relay.state):
                    await self._finish(relay, outbox.FAILED, f"the chat is no longer the bot's ({relay.state})")
                    return
                try:
                    await self._answer(relay)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - whatever failed, the shopper is not left waiting
                    await self._give_up(relay, exc)
        finally:
            if not lock.locked() and self._locks.get(cid) is lock:
                del self._locks[cid]

    async def _answer(self, relay: DueRelay) -> None:
        cid = relay.conversation_id
        channel = conversation_channel(cid)
        self._hub.signal(channel, {"type": "typing", "who": "bot", "typing": True})
        try:
            replies, turns = split_turns(
                await self._rasa.send(cid, relay.text, metadata(relay.event_id, relay.customer_id, relay.lang))
            )
        finally:
            self._hub.signal(channel, {"type": "typing", "who": "bot", "typing": False})

        stored_replies: list[tuple[int | None, StoredEvent]] = []

        def store(connection: Connection) -> tuple[bool, Chat | None]:
            stored_replies.clear()
            chat = None if replies else transcript.chat_state(connection, cid)
            if chat is not None and bot_owns(chat.state):
                connection.rollback()
                # Rasa answers [] when its action server is down: silence would be a dead end.
                raise RasaUnavailable("rasa returned no reply")
            # The turn's intent and knowledge entry stay with the answer: the service insight's topic.
            turn = {"intent": turns[-1].intent, "kb_entry": turns[-1].kb_entry, "outcome": turns[-1].outcome} if turns else None
            for reply in replies:
                payload = {k: reply[k] for k in ("buttons", "custom", "image") if reply.get(k)}
                payload["in_reply_to"] = relay.event_id
                if turn:
                    payload["turn"] = turn
                # The chat as it stands after the insert: the bot may have handed over meanwhile.
                event, chat, before = events.append(connection, cid, "message", "bot", str(reply.get("text") or ""), payload)
                stored_replies.append((before, event))
            if not outbox.finish(connection, relay.event_id, self.owner, outbox.ANSWERED):
                connection.rollback()  # another replica took this relay over and answers it
                return False, chat
            connection.commit()
            return True, chat

        stored, chat = await transcript.run(self._engine, store)
        if not stored:
            log.warning("handoff.relay.lost_lease", extra={"conversation_id": cid, "seq": relay.event_id})
            return
        self._metrics.relays.labels(outbox.ANSWERED).inc()
        self._metrics.messages.labels("bot").inc(len(replies))
        notify(self._hub, cid, agents=chat is None or not bot_owns(chat.state), carried=stored_replies)
        if self._review and turns:
            await self._review.record_turn(cid, relay.event_id, relay.text, relay.lang, turns[-1])

    async def _give_up(self, relay: DueRelay, exc: Exception) -> None:
        """The bot could not answer: queue the chat for a person at once (the shopper is told), and
        record why. If even that fails the relay stays due, and is taken again when its lease ends."""
        reason = repr(exc)[:500]
        if isinstance(exc, RasaUnavailable):
            log.warning("handoff.rasa.unavailable", extra={"conversation_id": relay.conversation_id, "error": str(exc)})
        else:
            log.error("handoff.relay.failed", exc_info=exc, extra={"conversation_id": relay.conversation_id})
        try:
            await self._fall_back(relay.conversation_id, relay.lang)
            await self._finish(relay, outbox.QUEUED, reason)
        except Exception:
            log.exception("handoff.relay.fallback_failed", extra={"conversation_id": relay.conversation_id})

    async def _finish(self, relay: DueRelay, outcome: str, reason: str) -> None:
        def record(connection: Connection) -> None:
            outbox.finish(connection, relay.event_id, self.owner, outcome, reason)
            connection.commit()

        await transcript.run(self._engine, record)
        self._metrics.relays.labels(outcome).inc()

    async def forget_delivered(self, keep: dt.timedelta, batch: int = 5000) -> int:
        """Delete the outbox rows of relays delivered more than `keep` ago (the table would grow
        with every shopper message for ever); how many."""
        before, total = utcnow() - keep, 0
        while (deleted := await transcript.run(self._engine, outbox.purge, before, batch)) > 0:
            total += deleted
            if deleted < batch:
                break
        if total:
            log.info("handoff.relay.purged", extra={"rows": total, "before": before.isoformat()})
        return total

    async def stop(self, deadline: float) -> int:
        """Stop taking relays, let the running ones finish for up to `deadline` seconds, cancel the
        rest and hand back whatever this replica still holds (due to any replica at once). Returns
        how many relays were handed back."""
        self.accepting = False
        started = time.monotonic()
        if self._running:
            await asyncio.wait(list(self._running.values()), timeout=deadline)
        unfinished = list(self._running.values())
        for task in unfinished:
            task.cancel()
        if unfinished:
            await asyncio.gather(*unfinished, return_exceptions=True)
        handed = await transcript.run(self._engine, outbox.hand_back, self.owner)
        log.info(
            "handoff.relay.stopped",
            extra={"cancelled": len(unfinished), "handed_back": handed, "seconds": round(time.monotonic() - started, 3)},
        )
        return handed
