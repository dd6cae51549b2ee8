"""Wake-ups and ephemeral signals for everyone waiting on a channel (a conversation, the agents).

Wake-ups carry no data that a waiter must trust: waiters re-read the events table, so a missed or
doubled wake-up can neither lose nor duplicate a message. In one process a wake-up may bring the
events just stored along (`carried`), each with the id of its chat's event before it (known on
SQLite only, core/events.py); the shopper's socket pushes them without a read when they follow what
it has sent, and reads otherwise (a read
and its check-in cost ≈ 5 crossings to the database's thread, two per bot turn). Signals (typing
indicators, queue-position nudges) are ephemeral and may be dropped. With Redis, both fan out to
every replica, and wake-ups carry nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from handoff_service.core.background import Background
from handoff_service.core.events import StoredEvent

log = logging.getLogger(__name__)

AGENTS = "agents"
# Woken when the queue's order changes, so waiting shoppers see their new position.
QUEUE = "queue"
REDIS_CHANNEL = "kefu:hub"
LISTENER = "redis_listener"  # its name in /healthz


def conversation_channel(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


@dataclass(eq=False)
class Subscription:
    woken: asyncio.Event = field(default_factory=asyncio.Event)
    signals: list[dict[str, Any]] = field(default_factory=list)
    # Set by a wake-up (new rows to read), not by a signal: a typing flicker costs no query.
    stale: bool = True
    # What wake-ups since the last `take_carried` brought: (id of the chat's event before, 0 for
    # none, None when not known; event).
    carried: list[tuple[int | None, StoredEvent]] = field(default_factory=list)
    # A wake-up brought nothing (or this subscription is new): only a read tells what is new.
    uncarried: bool = True

    def take_signals(self) -> list[dict[str, Any]]:
        taken, self.signals = self.signals, []
        return taken

    def take_carried(self, cursor: int) -> list[StoredEvent] | None:
        """The events woken about since the last call, if together they follow `cursor` (the last
        event sent) without a gap; None when a read is needed. Marks the subscription read."""
        carried, uncarried = sorted(self.carried, key=lambda pair: pair[1].id), self.uncarried
        self.carried, self.uncarried, self.stale = [], False, False
        if uncarried:
            return None
        following = []
        for before, event in carried:
            if before is None or before != cursor:
                return None  # not known, or something in between was not carried: read it
            following.append(event)
            cursor = event.id
        return following


class EventHub:
    """In-process fan-out: enough for one replica (the embedded default)."""

    def __init__(self) -> None:
        self._subs: dict[str, set[Subscription]] = defaultdict(set)

    def publish(self, *channels: str, carried: list[tuple[int | None, StoredEvent]] | None = None) -> None:
        """Wake the channels' waiters; `carried`: the events just stored that woke them (see above)."""
        self._deliver(list(channels), None, carried)

    def signal(self, channel: str, payload: dict[str, Any]) -> None:
        self._deliver([channel], payload)

    def _deliver(
        self, channels: list[str], payload: dict[str, Any] | None, carried: list[tuple[int | None, StoredEvent]] | None = None
    ) -> None:
        # Only the events' own chat's waiters take them (the agents' and the queue's only read).
        carried_to = conversation_channel(carried[0][1].conversation_id) if carried else None
        for channel in channels:
            for sub in self._subs.get(channel, ()):
                if payload is not None:
                    sub.signals.append(payload)
                else:
                    sub.stale = True
                    if channel == carried_to:
                        sub.carried.extend(carried or ())
                    else:
                        sub.uncarried = True
                sub.woken.set()

    @asynccontextmanager
    async def subscribe(self, *channels: str) -> AsyncIterator[Subscription]:
        """Subscribe before reading the events table, so nothing slips between read and wait."""
        sub = Subscription()
        for channel in channels:
            self._subs[channel].add(sub)
        try:
            yield sub
        finally:
            for channel in channels:
                self._subs[channel].discard(sub)
                if not self._subs[channel]:
                    del self._subs[channel]

    async def start(self, background: Background | None = None) -> None:
        """Nothing to connect in-process."""

    async def aclose(self) -> None:
        """Nothing to close in-process."""


class RedisHub(EventHub):
    """Publishes through Redis pub/sub; every replica (this one too) delivers what it receives."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self._url = url
        self._redis: Any = None
        self._background: Background | None = None
        self._publishing: set[asyncio.Task[Any]] = set()

    async def start(self, background: Background | None = None) -> None:
        """Connect, and listen under `background` (the app's, whose health /healthz shows)."""
        import redis.asyncio as redis

        # Named, so an operator (or a test) tells this process's connections apart in CLIENT LIST.
        self._redis = redis.from_url(self._url, client_name=f"kefu-hub-{os.getpid()}")
        self._background = background or Background()
        self._background.forever(LISTENER, 0.5, self._listen, max_backoff=5.0)

    async def _listen(self, beat: Callable[[], None]) -> None:
        """Deliver what Redis brings; a lost connection raises, and core.background starts this again."""
        pubsub = self._redis.pubsub()
        try:
            await pubsub.subscribe(REDIS_CHANNEL)
            # Wake-ups may have been published while we were away: everyone re-reads.
            self._deliver(list(self._subs), None)
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is not None and message.get("type") == "message":
                    try:
                        data = json.loads(message["data"])
                        self._deliver(data["channels"], data.get("payload"))
                    except (ValueError, KeyError, TypeError) as exc:
                        log.warning("hub.redis.bad_message", extra={"error": repr(exc)})
                beat()
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    def publish(self, *channels: str, carried: list[tuple[int | None, StoredEvent]] | None = None) -> None:
        """Through Redis wake-ups carry nothing: every waiter reads."""
        self._send(list(channels), None)

    def signal(self, channel: str, payload: dict[str, Any]) -> None:
        self._send([channel], payload)

    def _send(self, channels: list[str], payload: dict[str, Any] | None) -> None:
        message = json.dumps({"channels": channels, "payload": payload})
        task = asyncio.get_running_loop().create_task(self._redis.publish(REDIS_CHANNEL, message))
        self._publishing.add(task)
        task.add_done_callback(self._publishing.discard)
        task.add_done_callback(lambda done: self._published(done, channels, payload))

    def _published(self, task: asyncio.Task[Any], channels: list[str], payload: dict[str, Any] | None) -> None:
        if task.cancelled() or task.exception() is None:
            return
        # This replica's own waiters still hear it; other replicas' listeners lost Redis too,
        # and wake all their waiters when they reconnect.
        log.warning("hub.redis.publish_failed", extra={"error": repr(task.exception())})
        self._deliver(channels, payload)

    async def aclose(self) -> None:
        """What was published still goes out: a command that publishes and exits (kefu agents
        disable) closes the hub right after."""
        if self._publishing:
            await asyncio.gather(*self._publishing, return_exceptions=True)
        if self._background:
            await self._background.stop(LISTENER)
        if self._redis is not None:
            await self._redis.aclose()


def notify(
    hub: EventHub,
    conversation_id: str,
    queue_changed: bool = False,
    agents: bool = True,
    carried: list[tuple[int | None, StoredEvent]] | None = None,
) -> None:
    """Wake the shopper's and the agents' screens; and waiting shoppers too if the queue moved.
    `agents=False` for a chat only the bot has: no console shows it, so no console re-reads.
    `carried`: every event this change stored, each with the id of the chat's event before it."""
    channels = [conversation_channel(conversation_id)]
    if agents:
        channels.append(AGENTS)
    if queue_changed:
        channels.append(QUEUE)
    hub.publish(*channels, carried=carried)


def sessions_ended(hub: EventHub, agent_id: int) -> None:
    """An agent's sessions ended (logout, account disabled): their open sockets, on every replica,
    check their session at once and close if it no longer holds."""
    hub.signal(AGENTS, {"type": "session_ended", "agent_id": agent_id})


def make_hub(redis_url: str | None) -> EventHub:
    return RedisHub(redis_url) if redis_url else EventHub()
