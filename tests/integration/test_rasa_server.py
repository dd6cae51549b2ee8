"""kefu's Rasa server is Rasa's own `rasa run` (bot/server.py) with one change: it refuses a
malformed action-server response with Rasa's own error, from a validator built once. It starts
from the command the supervisor gives it, answers on the REST channel, and froze its start-up heap
once the model was loaded (bot/frozen_heap.py, a channel in bot/credentials.yml). The Rasa
environment holds the versions of the libraries that kefu's own code in it was written and
measured against."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from tests.conftest import run_in_rasa_env
from tests.integration.conftest import RunningKefu

# What kefu's code in the Rasa environment relies on, and what to check again before changing a version.
MEASURED_ON = {
    "rasa": (
        "3.6.21",
        "bot/tracker_store.py subclasses InMemoryTrackerStore and replaces its `store`; "
        "bot/components/use_featurizer.py is a graph component; bot/frozen_heap.py needs the model "
        "loaded before `after_server_start`; bot/server.py replaces `RemoteAction._validate_action_result`. "
        "Run tests/integration and `make bench-turns`",
    ),
    "sanic": ("21.12.2", "bot/frozen_heap.py registers a Blueprint `after_server_start` listener"),
    "jsonschema": (
        "3.2.0",
        "Rasa validates every action-server response with it; 4.x re-checked the metaschema on every "
        "call, ~40 % of a Rasa turn, and 3.2 still does (bot/server.py builds the validator once; "
        "BENCHMARKS.md): run `make bench-turns` before changing it",
    ),
}

PROBE = r"""
import json
from importlib.metadata import version
print(json.dumps({name: version(name) for name in ("rasa", "sanic", "jsonschema")}))
"""


def test_the_rasa_environment_has_the_versions_kefu_was_measured_on() -> None:
    installed = run_in_rasa_env(PROBE)
    changed = [
        f"{name} {installed[name]} in .venv-rasa, kefu was built and measured on {expected}: {what}"
        for name, (expected, what) in MEASURED_ON.items()
        if installed[name] != expected
    ]
    assert not changed, "\n".join(changed)


VALIDATOR_PROBE = r"""
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
print(json.dumps({"rasa": before, "kefu": outcomes(), "patched": RemoteAction._validate_action_result.__module__}))
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


@pytest.mark.slow
def test_the_compiled_validator_decides_like_rasas_own() -> None:
    result: dict[str, Any] = run_in_rasa_env(VALIDATOR_PROBE, json.dumps(RESPONSES))
    assert result["patched"] == "bot.server"
    assert result["kefu"] == result["rasa"]
    assert [verdict for verdict, _ in result["kefu"]] == ["ok", "refused", "refused"]
    assert all("Failed to validate Action server response" in message for _, message in result["kefu"][1:])


@pytest.mark.slow
def test_the_rasa_server_answers_and_froze_its_heap_after_loading_the_model(kefu_system: RunningKefu, http: httpx.Client) -> None:
    replies = http.post(
        f"{kefu_system.rasa_url}/webhooks/rest/webhook", json={"sender": "server-probe", "message": "亲，一般几天发货？"}
    ).json()
    assert any(reply.get("text") for reply in replies), replies

    log = (kefu_system.logs / "rasa.log").read_text(encoding="utf-8", errors="replace")
    loading, frozen = log.find("Loading model"), re.search(r"kefu\.heap\.frozen objects=(\d+)", log)
    assert frozen, "bot/frozen_heap.py did not run: is it still listed in bot/credentials.yml?"
    assert 0 <= loading < frozen.start() and int(frozen.group(1)) > 0
