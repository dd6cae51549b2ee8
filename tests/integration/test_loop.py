"""The whole loop, for real: shopper → handoff service → Rasa → action server (KB, escalation)
→ agent console API → shopper → hand back → bot again."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from handoff_service.chat.identity import sign_customer
from tests.conftest import wait_until
from tests.handoff_helpers import IDENTITY_SECRET, socket_auth
from tests.integration.conftest import RunningKefu

pytestmark = pytest.mark.slow


class Shopper:
    """A shopper's client over the public API: HTTP to send, WebSocket or long-poll to receive."""

    def __init__(self, http: httpx.Client, base: str, customer_id: str | None, lang: str) -> None:
        self.http = http
        self.base = base
        signature = sign_customer(customer_id, IDENTITY_SECRET) if customer_id else None
        body = {"customer_id": customer_id, "customer_signature": signature, "lang": lang}
        created = http.post(f"{base}/api/sessions", json=body)
        assert created.status_code == 201, created.text
        self.conversation_id = created.json()["conversation_id"]
        self.token = created.json()["token"]
        self.events: list[dict[str, Any]] = []

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def say(self, text: str) -> dict[str, Any]:
        sent = self.http.post(
            f"{self.base}/api/sessions/{self.conversation_id}/messages",
            json={"text": text, "client_id": uuid.uuid4().hex},
            headers=self.auth,
        )
        assert sent.status_code == 202, sent.text
        return sent.json()["event"]

    def poll(self) -> list[dict[str, Any]]:
        after = self.events[-1]["seq"] if self.events else 0
        got = self.http.get(
            f"{self.base}/api/sessions/{self.conversation_id}/events",
            params={"after": after, "wait": "true"},
            headers=self.auth,
            timeout=60,
        )
        assert got.status_code == 200, got.text
        self.events += got.json()["events"]
        return self.events

    def wait_for(self, sender: str, after_seq: int, timeout: float = 60) -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            for event in self.events:
                if event["seq"] > after_seq and event["sender"] == sender:
                    return event
            self.poll()
            return None

        return wait_until(found, timeout=timeout, interval=0)


def ws_next(ws: Any, predicate: Any, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = json.loads(ws.recv(timeout=deadline - time.monotonic()))
        if frame.get("type") == "event" and predicate(frame["event"]):
            return frame["event"]
    raise AssertionError("expected event did not arrive")


def test_bot_answers_from_the_knowledge_base_in_chinese_and_english(kefu_system: RunningKefu, http: httpx.Client):
    zh = Shopper(http, kefu_system.handoff_url, "C1001", "zh")
    sent = zh.say("你好")
    assert "智能客服" in zh.wait_for("bot", sent["seq"])["text"]
    sent = zh.say("亲，什么时候发货呀")
    assert "48 小时" in zh.wait_for("bot", sent["seq"])["text"]
    sent = zh.say("有优惠券吗")
    assert "满 199 减 20" in zh.wait_for("bot", sent["seq"])["text"]

    en = Shopper(http, kefu_system.handoff_url, "C1002", "en")
    sent = en.say("how long does shipping take?")
    assert "48 hours" in en.wait_for("bot", sent["seq"])["text"]
    sent = en.say("do you have any coupons")
    assert "coupon" in en.wait_for("bot", sent["seq"])["text"].lower()


def test_escalation_agent_reply_and_hand_back(kefu_system: RunningKefu, http: httpx.Client):
    base = kefu_system.handoff_url
    shopper = Shopper(http, base, "C1001", "zh")
    ws = connect(f"{base.replace('http', 'ws')}/ws/sessions/{shopper.conversation_id}", subprotocols=socket_auth(shopper.token))
    with ws:
        shopper.say("转人工")
        queued = ws_next(ws, lambda e: e["kind"] == "state")
        assert queued["payload"]["state"] == "queued"
        assert queued["payload"]["reason"] == "explicit_request"
        assert "人工客服" in queued["text"]

        assert http.post(f"{base}/api/agent/login", json={"username": "agent", "password": "wrong"}).status_code == 401
        assert http.get(f"{base}/api/agent/queue").status_code == 401
        login = http.post(f"{base}/api/agent/login", json={"username": "agent", "password": "kefu-demo"})
        assert login.status_code == 200, login.text
        agent = {"Authorization": f"Bearer {login.json()['token']}"}

        queue = http.get(f"{base}/api/agent/queue", headers=agent).json()["items"]
        item = next(i for i in queue if i["conversation_id"] == shopper.conversation_id)
        assert (item["state"], item["reason"]) == ("queued", "explicit_request")

        # While a person owns the chat, nothing the shopper says reaches the bot.
        shopper.say("在吗？我等着呢")
        claimed = http.post(f"{base}/api/agent/conversations/{shopper.conversation_id}/claim", headers=agent)
        assert claimed.status_code == 200, claimed.text
        detail = claimed.json()
        assert detail["customer"]["name"] == "林晓雨"
        assert detail["customer"]["order_count"] == 3
        assert any(t["text"] == "转人工" for t in detail["escalation"]["transcript"])
        assert [e["text"] for e in detail["events"] if e["sender"] == "shopper"] == ["转人工", "在吗？我等着呢"]
        joined = ws_next(ws, lambda e: e["kind"] == "state" and e["payload"]["state"] == "agent")
        assert "小美" in joined["text"]

        reply = http.post(
            f"{base}/api/agent/conversations/{shopper.conversation_id}/messages",
            json={"text": "亲，我是小美，您的羽绒服已经在路上了~"},
            headers=agent,
        )
        assert reply.status_code == 202
        got = ws_next(ws, lambda e: e["sender"] == "agent")
        assert got["text"] == "亲，我是小美，您的羽绒服已经在路上了~"

        tracker = http.get(f"{kefu_system.rasa_url}/conversations/{shopper.conversation_id}/tracker", params={"token": kefu_system.rasa_token}).json()
        said_to_bot = [e["text"] for e in tracker["events"] if e["event"] == "user"]
        assert said_to_bot == ["转人工"]

        back = http.post(
            f"{base}/api/agent/conversations/{shopper.conversation_id}/handback",
            json={"outcome": "resolved"},
            headers=agent,
        )
        assert back.status_code == 200
        assert ws_next(ws, lambda e: e["kind"] == "state")["payload"]["state"] == "bot"
        tracker = http.get(f"{kefu_system.rasa_url}/conversations/{shopper.conversation_id}/tracker", params={"token": kefu_system.rasa_token}).json()
        assert tracker["slots"]["handoff_outcome"] == "resolved"

        shopper.say("有优惠券吗")
        answer = ws_next(ws, lambda e: e["sender"] == "bot")
        assert "优惠" in answer["text"] or "减" in answer["text"]


def test_a_shopper_cannot_open_another_shoppers_conversation(kefu_system: RunningKefu, http: httpx.Client):
    alice = Shopper(http, kefu_system.handoff_url, "C1001", "zh")
    bob = Shopper(http, kefu_system.handoff_url, "C1002", "en")
    url = f"{kefu_system.handoff_url}/api/sessions/{alice.conversation_id}"
    assert http.get(f"{url}/events", params={"wait": "false"}, headers=bob.auth).status_code == 403
    assert http.post(f"{url}/messages", json={"text": "hi"}, headers=bob.auth).status_code == 403
