"""The Rasa server's tracker store (bot/tracker_store.py, named in bot/endpoints.yml) gives back
the conversation Rasa's own in-memory store would: same events, slots, latest message and
session, turn after turn, in Rasa's own environment."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import run_in_rasa_env

pytestmark = pytest.mark.slow

PROBE = r"""
import asyncio, json
from rasa.core.tracker_store import InMemoryTrackerStore, TrackerStore
from rasa.core.utils import read_endpoints_from_path
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered,
)
from rasa.shared.core.trackers import EventVerbosity

domain = Domain.load("bot/domain.yml")
configured = TrackerStore.create(read_endpoints_from_path("bot/endpoints.yml").tracker_store, domain)
kept = getattr(configured, "_tracker_store", configured)
rasa_own = InMemoryTrackerStore(domain)

def turn(n, text, slot):
    intent, entities = {"name": "ask_order_status", "confidence": 0.9}, [{"entity": "order_id", "value": slot}]
    return [
        UserUttered(text, intent, entities,
                    parse_data={"text": text, "intent": intent, "entities": entities, "kefu_use_v3": "AAAA"}),
        ActionExecuted("action_order_status"),
        SlotSet("order_id", slot),
        BotUttered(f"订单 {slot} 已发货", {"buttons": [{"title": "转人工", "payload": "/request_human"}]}),
        ActionExecuted("action_listen"),
    ]

def session():
    return [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]

# The same events (and so the same timestamps) go to both stores.
STARTED, TURNS, RESTARTED = session(), [turn(0, "我的订单到哪了", "O1"), turn(1, "another order O2 pls", "O2")], session()

async def main():
    states = []
    for store in (kept, rasa_own):
        seen = []
        tracker = store.init_tracker("c1")
        for event in STARTED:
            tracker.update(event)
        for events in TURNS:
            for event in events:
                tracker.update(event)
            await store.save(tracker)
            tracker = await store.retrieve("c1")
            seen.append(tracker.current_state(EventVerbosity.ALL))
        for event in RESTARTED:
            tracker.update(event)
        await store.save(tracker)
        seen.append((await store.retrieve("c1")).current_state(EventVerbosity.ALL))
        seen.append(len((await store.retrieve_full_tracker("c1")).events))
        seen.append(await store.retrieve("nobody") is None)
        states.append(seen)
    return states

kept_states, rasa_states = asyncio.run(main())
print(json.dumps({"type": type(kept).__module__ + "." + type(kept).__name__,
                  "kept": kept_states, "rasa": rasa_states}, default=str))
"""


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_in_rasa_env(PROBE, env={"KEFU_ACTION_SERVER_URL": "http://127.0.0.1:1/webhook", "KEFU_ACTION_SERVER_TOKEN": "unused"})


def test_the_endpoints_file_names_the_kept_store(result: dict[str, Any]) -> None:
    assert result["type"] == "bot.tracker_store.KeptTrackerStore"


def test_a_conversation_comes_back_as_rasas_own_store_gives_it(result: dict[str, Any]) -> None:
    assert result["kept"] == result["rasa"]
    after_two_turns, new_session = result["kept"][1], result["kept"][2]
    assert after_two_turns["slots"]["order_id"] == "O2"
    assert after_two_turns["latest_message"]["text"] == "another order O2 pls"
    assert result["kept"][3] > len(new_session["events"])  # only the last session, as Rasa's store
    assert result["kept"][4] is True  # an unknown conversation is none
