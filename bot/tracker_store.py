"""Rasa's in-memory tracker store, keeping each conversation's events pickled instead of as JSON.

Why: Rasa's own `InMemoryTrackerStore` writes a conversation out as JSON after every turn and
parses it back, event by event, before the next one: ≈ 1.3 ms of a Rasa server's CPU per turn
for a four-question chat (≈ 0.2 ms pickled; BENCHMARKS.md "Speed of a turn"), for a store that
never leaves the process. Bytes, not the event objects themselves: the garbage collector does
not walk bytes (a store of objects would lengthen its full passes with every conversation kept),
and no event is shared between two trackers. Like Rasa's default, it forgets everything when
the server stops; a Redis or SQL store in bot/endpoints.yml replaces it.

Used through bot/endpoints.yml (`tracker_store: type: bot.tracker_store.KeptTrackerStore`).
"""

from __future__ import annotations

import pickle
from typing import Any, Dict, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.conversation import Dialogue
from rasa.shared.core.domain import Domain
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
        self.store: Dict[Text, bytes] = {}  # type: ignore[assignment]

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        self.store[tracker.sender_id] = pickle.dumps(tuple(tracker.events), pickle.HIGHEST_PROTOCOL)

    def deserialise_tracker(  # type: ignore[override]
        self, sender_id: Text, kept: bytes
    ) -> Optional[DialogueStateTracker]:
        """A fresh tracker from the kept events (Rasa's `_retrieve` calls this with what `save` stored);
        only this process ever wrote them."""
        tracker = self.init_tracker(sender_id)
        tracker.recreate_from_dialogue(Dialogue(sender_id, list(pickle.loads(kept))))  # noqa: S301
        return tracker
