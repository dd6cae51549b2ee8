"""The handoff service over real HTTP (uvicorn on a free port), with a fake Rasa at the HTTP seam."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from handoff_service.app import create_app
from handoff_service.settings import Settings
from tests.conftest import ServerThread, wait_until
from tests.handoff_helpers import IDENTITY_SECRET, SECRET, FakeRasa, database, escalate, events, login, open_chat, socket_auth


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture(params=["sqlite", "postgresql"])
def service(request: pytest.FixtureRequest, tmp_path: Path, rasa: FakeRasa) -> Iterator[str]:
    """The service on a real SQLite file, then on a real PostgreSQL database."""
    with database(request.param, tmp_path) as url:
        settings = Settings(environment="development", database_url=url, handoff_secret=SECRET, identity_secret=IDENTITY_SECRET, auto_assign=False)
        with ServerThread(create_app(settings, rasa_transport=httpx.MockTransport(rasa.handler))) as server:
            yield server.url


def test_shopper_message_is_relayed_to_rasa_with_customer_metadata(service: str, http: httpx.Client, rasa: FakeRasa):
    cid, auth = open_chat(http, service)
    sent = http.post(f"{service}/api/sessions/{cid}/messages", json={"text": "什么时候发货"}, headers=auth)
    assert sent.status_code == 202
    reply = wait_until(lambda: [e for e in events(http, service, cid, auth) if e["sender"] == "bot"])
    assert reply[0]["text"] == "bot: 什么时候发货"
    [received] = rasa.received
    assert (received["sender"], received["message"]) == (cid, "什么时候发货")
    # The language detected on arrival and the message's id travel with it (kefu_contract.metadata).
    shopper_seq = next(e["seq"] for e in events(http, service, cid, auth) if e["sender"] == "shopper")
    assert received["metadata"] == {
        "customer_id": "C1001", "lang": "zh", "kefu": {"language": "zh", "message_id": str(shopper_seq)},
    }  # fmt: skip


def test_retried_message_with_same_client_id_is_stored_once(service: str, http: httpx.Client, rasa: FakeRasa):
    cid, auth = open_chat(http, service)
    body = {"text": "有券吗", "client_id": uuid.uuid4().hex}
    first = http.post(f"{service}/api/sessions/{cid}/messages", json=body, headers=auth).json()
    second = http.post(f"{service}/api/sessions/{cid}/messages", json=body, headers=auth).json()
    assert first["event"]["seq"] == second["event"]["seq"]
    wait_until(lambda: [e for e in events(http, service, cid, auth) if e["sender"] == "bot"])
    assert [e["text"] for e in events(http, service, cid, auth) if e["sender"] == "shopper"] == ["有券吗"]
    assert len(rasa.received) == 1


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
def test_empty_or_oversized_messages_get_a_clear_error(service: str, http: httpx.Client, text: str):
    cid, auth = open_chat(http, service)
    response = http.post(f"{service}/api/sessions/{cid}/messages", json={"text": text}, headers=auth)
    assert response.status_code in (400, 422)
    assert events(http, service, cid, auth) == []


def test_a_shopper_token_opens_only_its_own_conversation(service: str, http: httpx.Client):
    alice, _ = open_chat(http, service)
    _, bob_auth = open_chat(http, service)
    for response in (
        http.get(f"{service}/api/sessions/{alice}/events", params={"wait": "false"}, headers=bob_auth),
        http.post(f"{service}/api/sessions/{alice}/messages", json={"text": "hi"}, headers=bob_auth),
        http.get(f"{service}/api/sessions/{alice}/events", params={"wait": "false"}),
        http.get(f"{service}/api/sessions/nope/events", params={"wait": "false"}, headers=bob_auth),
    ):
        assert response.status_code == 403
        assert response.json()["error"] == "forbidden"


def test_forged_and_replayed_escalations_are_refused(service: str, http: httpx.Client):
    cid, _ = open_chat(http, service)
    forged, _, _ = escalate(http, service, cid, secret="guessed")
    assert forged.status_code == 401
    accepted, body, headers = escalate(http, service, cid)
    assert accepted.status_code == 201 and accepted.json()["position"] >= 1
    replayed = http.post(f"{service}/api/escalations", content=body, headers=headers)
    assert replayed.status_code == 409


def test_escalated_chat_is_silent_to_the_bot_until_handed_back(service: str, http: httpx.Client, rasa: FakeRasa):
    cid, auth = open_chat(http, service)
    assert escalate(http, service, cid)[0].status_code == 201
    http.post(f"{service}/api/sessions/{cid}/messages", json={"text": "在吗"}, headers=auth)
    agent = login(http, service)
    assert http.post(f"{service}/api/agent/conversations/{cid}/claim", headers=agent).status_code == 200
    http.post(f"{service}/api/agent/conversations/{cid}/messages", json={"text": "您好，我是小美"}, headers=agent)
    assert http.post(f"{service}/api/agent/conversations/{cid}/handback", json={}, headers=agent).status_code == 200
    assert rasa.received == []
    assert rasa.slots == [{"event": "slot", "name": "handoff_outcome", "value": "resolved"}]

    http.post(f"{service}/api/sessions/{cid}/messages", json={"text": "谢谢"}, headers=auth)
    wait_until(lambda: rasa.received)
    seen = [(e["sender"], e["payload"].get("state")) for e in events(http, service, cid, auth)]
    assert seen[:4] == [("system", "queued"), ("shopper", None), ("system", "agent"), ("agent", None)]
    assert ("system", "bot") in seen


def test_a_chat_cannot_be_claimed_twice(service: str, http: httpx.Client):
    cid, _ = open_chat(http, service)
    escalate(http, service, cid)
    agent = login(http, service)
    assert http.post(f"{service}/api/agent/conversations/{cid}/claim", headers=agent).status_code == 200
    again = http.post(f"{service}/api/agent/conversations/{cid}/claim", headers=agent)
    assert again.status_code == 409
    assert again.json()["message"] == "this conversation is agent, not waiting for a person"


def test_agent_apis_need_a_login(service: str, http: httpx.Client):
    assert http.get(f"{service}/api/agent/queue").status_code == 401
    assert http.get(f"{service}/api/agent/queue", headers={"Authorization": "Bearer forged"}).status_code == 401
    bad = http.post(f"{service}/api/agent/login", json={"username": "agent", "password": "nope"})
    assert bad.status_code == 401 and bad.json()["message"] == "wrong username or password"


def test_when_rasa_is_down_the_shopper_is_queued_for_a_person(service: str, http: httpx.Client, rasa: FakeRasa):
    rasa.down = True
    cid, auth = open_chat(http, service)
    http.post(f"{service}/api/sessions/{cid}/messages", json={"text": "在吗"}, headers=auth)
    notice = wait_until(lambda: [e for e in events(http, service, cid, auth) if e["kind"] == "state"])
    assert notice[0]["payload"] == {
        "state": "queued", "reason": "bot_unavailable", "priority": "routine", "position": 1, "wait_seconds": None
    }
    assert "人工客服" in notice[0]["text"]


def test_long_poll_returns_as_soon_as_the_bot_replies(service: str, http: httpx.Client):
    cid, auth = open_chat(http, service)
    sent = http.post(f"{service}/api/sessions/{cid}/messages", json={"text": "hi"}, headers=auth).json()
    got: list[dict[str, Any]] = []
    while not any(e["sender"] == "bot" for e in got):
        after = got[-1]["seq"] if got else sent["event"]["seq"]
        page = http.get(f"{service}/api/sessions/{cid}/events", params={"after": after}, headers=auth, timeout=30)
        got += page.json()["events"]
    assert got[-1]["text"] == "bot: hi"


def test_websocket_sends_messages_and_answers_bad_frames_with_an_error(service: str, http: httpx.Client):
    from websockets.sync.client import connect

    cid, auth = open_chat(http, service)
    token = auth["Authorization"].split()[1]
    with connect(f"{service.replace('http', 'ws')}/ws/sessions/{cid}", subprotocols=socket_auth(token)) as ws:
        ws.send("not json")
        assert json.loads(ws.recv(timeout=10))["type"] == "error"
        ws.send(json.dumps({"type": "message", "text": "你好", "client_id": "m1"}))
        frames: list[dict[str, Any]] = []
        while not any(f.get("event", {}).get("sender") == "bot" for f in frames):
            frames.append(json.loads(ws.recv(timeout=10)))
    kinds = [f["type"] + ":" + f.get("event", {}).get("sender", f.get("who", "")) for f in frames]
    assert {"ack:", "event:shopper", "event:bot"} <= set(kinds)
    assert kinds.index("typing:bot") < kinds.index("event:bot")  # the shopper sees the bot typing first


def test_websocket_with_a_wrong_token_is_refused(service: str, http: httpx.Client):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    cid, _ = open_chat(http, service)
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{service.replace('http', 'ws')}/ws/sessions/{cid}", subprotocols=socket_auth("forged"))
    assert refused.value.response.status_code == 403


def test_invalid_requests_get_the_same_error_shape_as_every_other_error(service: str, http: httpx.Client):
    response = http.post(f"{service}/api/sessions", json={"lang": "fr"})
    assert response.status_code == 422
    assert response.json()["error"] == "invalid"
    assert response.json()["message"].startswith("lang:")


def test_event_times_carry_their_utc_offset(service: str, http: httpx.Client):
    cid, auth = open_chat(http, service)
    http.post(f"{service}/api/sessions/{cid}/messages", json={"text": "hi"}, headers=auth)
    assert all(e["created_at"].endswith("+00:00") for e in events(http, service, cid, auth))


def test_health_check_answers_when_the_database_does(service: str, http: httpx.Client):
    assert http.get(f"{service}/healthz").json()["status"] == "ok"


def test_a_holding_message_is_shown_before_the_queue_notice(service: str, http: httpx.Client):
    cid, auth = open_chat(http, service)
    escalate(http, service, cid, reason="upset", holding_message="亲，非常抱歉让您久等了，我马上请同事来帮您")
    shown = [(e["sender"], e["kind"]) for e in events(http, service, cid, auth)]
    assert shown == [("bot", "message"), ("system", "state")]


def test_a_buttons_payload_does_not_change_the_chat_language(service: str, http: httpx.Client):
    cid, auth = open_chat(http, service)
    http.post(f"{service}/api/sessions/{cid}/messages", json={"text": '/choose_return{"kind": "refund"}'}, headers=auth)
    escalate(http, service, cid)
    notice = [e for e in events(http, service, cid, auth) if e["kind"] == "state"][0]
    assert "人工客服" in notice["text"]


def test_after_the_chat_ended_a_retry_still_gets_its_message_and_a_new_one_is_refused(service: str, http: httpx.Client):
    cid, auth = open_chat(http, service)
    body = {"text": "有券吗", "client_id": uuid.uuid4().hex}
    first = http.post(f"{service}/api/sessions/{cid}/messages", json=body, headers=auth).json()
    assert http.post(f"{service}/api/sessions/{cid}/leave", headers=auth).status_code == 204
    retried = http.post(f"{service}/api/sessions/{cid}/messages", json=body, headers=auth)
    assert retried.status_code == 202 and retried.json()["event"]["seq"] == first["event"]["seq"]
    refused = http.post(f"{service}/api/sessions/{cid}/messages", json={"text": "还在吗"}, headers=auth)
    assert refused.status_code == 409


def test_the_chat_language_follows_what_the_shopper_writes(service: str, http: httpx.Client, rasa: FakeRasa):
    cid, auth = open_chat(http, service, lang="zh")
    for text in ("how long does shipping take?", "什么时候发货", "123"):
        http.post(f"{service}/api/sessions/{cid}/messages", json={"text": text}, headers=auth)
        wait_until(lambda text=text: [r for r in rasa.received if r["message"] == text])
    assert [r["metadata"]["lang"] for r in rasa.received] == ["en", "zh", "zh"]
