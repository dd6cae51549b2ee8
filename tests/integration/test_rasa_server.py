"""kefu's Rasa server (bot/server.py) behaves as `rasa run` does, at a lower cost per turn: it
refuses a malformed action-server response with Rasa's own error, keeps one HTTP session per
endpoint open across calls, and freezes what the loaded model allocated."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import run_in_rasa_env

pytestmark = pytest.mark.slow

PROBE = r"""
import json, sys
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

responses = json.loads(sys.argv[1])
action = RemoteAction("action_answer_from_kb", None)

def outcomes():
    found = []
    for response in responses:
        try:
            found.append(["ok", action._validate_action_result(response)])
        except ValidationError as error:
            found.append(["refused", error.message])
    return found

before = outcomes()
from bot import server
server.install()
after = outcomes()

import asyncio, gc
from rasa.core import run
from rasa.utils.endpoints import EndpointConfig

async def sessions():
    endpoint = EndpointConfig("http://127.0.0.1:1/webhook")
    async with endpoint.session() as first:
        pass
    async with endpoint.session() as second:
        pass
    shared = first is second and not first.closed
    await first.close()
    async with endpoint.session() as third:
        pass
    renewed = third is not first and not third.closed
    await third.close()
    return shared, renewed

async def load(*args, **kwargs):
    return "agent"

shared, renewed = asyncio.run(sessions())
frozen_before = gc.get_freeze_count()
agent = asyncio.run(server.freeze_after_loading(load)())
print(json.dumps({
    "rasa": before, "kefu": after, "patched": RemoteAction._validate_action_result.__module__,
    "shared": shared, "renewed": renewed, "agent": agent,
    "frozen": gc.get_freeze_count() > frozen_before, "wrapped": run.load_agent_on_start.__module__,
}))
"""

RESPONSES = [
    {  # what action_answer_from_kb sends
        "events": [
            {"event": "slot", "name": "kb_entry", "value": "shipping-time", "timestamp": None},
            {"event": "bot", "text": "亲，现货 48 小时内发货", "data": {"custom": {"kefu_turn": {"outcome": "answered"}}}},
        ],
        "responses": [{"text": "亲，现货 48 小时内发货", "buttons": [{"title": "转人工", "payload": "/request_human"}]}],
    },
    {"events": [{"event": "slot", "name": 3}], "responses": []},  # a slot without a string name
    {"events": "not a list", "responses": []},
]


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    """One run of the probe in the Rasa environment (importing Rasa takes seconds)."""
    return run_in_rasa_env(PROBE, json.dumps(RESPONSES))


def test_the_compiled_validator_decides_like_rasas_own(result: dict[str, Any]) -> None:
    assert result["patched"] == "bot.server"
    assert result["kefu"] == result["rasa"]
    assert [verdict for verdict, _ in result["kefu"]] == ["ok", "refused", "refused"]
    assert all("Failed to validate Action server response" in message for _, message in result["kefu"][1:])


def test_calls_to_the_action_server_share_one_session_and_the_loaded_model_is_frozen(result: dict[str, Any]) -> None:
    assert result["shared"] and result["renewed"]
    assert result["agent"] == "agent" and result["frozen"]
    assert result["wrapped"] == "bot.server"
