"""kefu's Rasa server (bot/server.py) still refuses a malformed action-server response exactly as
`rasa run` does, and accepts what our action server sends: only the cost per turn changed."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import ROOT

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


def test_the_compiled_validator_decides_like_rasas_own() -> None:
    run = subprocess.run(
        [str(ROOT / ".venv-rasa/bin/python"), "-c", PROBE, json.dumps(RESPONSES)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])

    assert result["patched"] == "bot.server"
    assert result["kefu"] == result["rasa"]
    assert [verdict for verdict, _ in result["kefu"]] == ["ok", "refused", "refused"]
    assert all("Failed to validate Action server response" in message for _, message in result["kefu"][1:])
