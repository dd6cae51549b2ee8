"""Wake-ups for everyone waiting on a channel (a conversation, or the agents' queue).

The hub carries no data: waiters re-read the events table after a wake-up, so a missed or
doubled notification can neither lose nor duplicate a message.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

AGENTS = "agents"


def conversation_channel(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


class EventHub:
    """In-process fan-out; one replica is enough for the embedded case."""

    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Event]] = defaultdict(set)

    def publish(self, *channels: str) -> None:
        for channel in channels:
            for waiter in self._waiters.get(channel, ()):
                waiter.set()

    @asynccontextmanager
    async def subscribe(self, *channels: str) -> AsyncIterator[asyncio.Event]:
        """An event set whenever any of `channels` is published; subscribe before reading."""
        waiter = asyncio.Event()
        for channel in channels:
            self._waiters[channel].add(waiter)
        try:
            yield waiter
        finally:
            for channel in channels:
                self._waiters[channel].discard(waiter)
                if not self._waiters[channel]:
                    del self._waiters[channel]
