"""The running system's hops between processes are closed to anyone else: Rasa's HTTP API answers
only the token kefu started it with, the action server only calls carrying Rasa's secret, while
shoppers' questions still go all the way through (Rasa → action server → knowledge base)."""

from __future__ import annotations

import httpx
import pytest

from tests.system import RunningKefu

pytestmark = pytest.mark.slow


def test_rasa_s_api_answers_only_the_token_it_was_started_with(kefu_system: RunningKefu, http: httpx.Client) -> None:
    status = f"{kefu_system.rasa_url}/status"
    assert http.get(status).status_code == 401
    assert http.get(status, params={"token": "guessed"}).status_code == 401
    tracker = f"{kefu_system.rasa_url}/conversations/anyone/tracker"
    assert http.get(tracker).status_code == 401
    answer = http.get(status, params={"token": kefu_system.rasa_token})
    assert answer.status_code == 200 and answer.json()["model_file"]


def test_the_action_server_answers_only_rasa(kefu_system: RunningKefu, http: httpx.Client) -> None:
    call = {
        "next_action": "action_escalate",
        "sender_id": "attacker",
        "tracker": {"sender_id": "attacker", "slots": {}, "latest_message": {"text": "hi"}, "events": []},
        "domain": {},
        "version": "3.6.21",
    }
    assert http.post(f"{kefu_system.action_url}/webhook", json=call).status_code == 401
    assert http.get(f"{kefu_system.action_url}/health").status_code == 200

    replies = http.post(
        f"{kefu_system.rasa_url}/webhooks/rest/webhook", json={"sender": "secrets-probe", "message": "亲，一般几天发货？"}
    ).json()
    assert any(reply.get("text") for reply in replies), replies  # Rasa's own calls carry the secret
