"""Rasa's in-memory tracker store, keeping each conversation's events as they are.

Why: Rasa's own `InMemoryTrackerStore` writes a conversation out as JSON text after every turn and
parses it back into events before the next one: ≈ 9 % of a Rasa server's CPU per turn here
(py-spy, BENCHMARKS.md "Speed of a turn"), for a store that never leaves the process. This one
keeps the events themselves (Rasa does not change an event once it is in a tracker) and replays
them into a fresh tracker, as Rasa's stores do after parsing. Like Rasa's default, it forgets
everything when the server stops; a Redis or SQL store in bot/endpoints.yml replaces it.

Used through bot/endpoints.yml (`tracker_store: type: bot.tracker_store.KeptTrackerStore`).
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Text, Tuple

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.conversation import Dialogue
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker


class KeptTrackerStore(InMemoryTrackerStore):
    def __init__(
        self,
        domain: Domain,
        event_broker: Optional[EventBroker] = None,
        host: Optional[Text] = None,
        **kwargs: Dict[Text, Any],
    ) -> None:
        super().__init__(domain, event_broker, **kwargs)
        self.store: Dict[Text, Tuple[Event, ...]] = {}  # type: ignore[assignment]

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        self.store[tracker.sender_id] = tuple(tracker.events)

    def deserialise_tracker(  # type: ignore[override]
        self, sender_id: Text, kept: Tuple[Event, ...]
    ) -> Optional[DialogueStateTracker]:
        """A fresh tracker from the kept events (Rasa's `_retrieve` calls this with what `save` stored)."""
        tracker = self.init_tracker(sender_id)
        tracker.recreate_from_dialogue(Dialogue(sender_id, list(kept)))
        return tracker
