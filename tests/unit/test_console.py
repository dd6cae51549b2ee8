"""The console's helpers over real HTTP: customer 360 from the demo store, notes, suggested
replies (knowledge base + canned), coupons within and above authority, returns, the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from handoff_service.app import create_app
from handoff_service.settings import Settings
from kb_index.settings import KbSettings
from tests.conftest import ROOT, ServerThread
from tests.handoff_helpers import IDENTITY_SECRET, SECRET, FakeRasa, add_agent, escalate, events, login, open_chat


@dataclass
class Console:
    url: str
    ann: dict[str, str]
    sue: dict[str, str]


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    tmp = tmp_path_factory.mktemp("console")
    url = f"sqlite+aiosqlite:///{tmp / 'h.db'}"
    add_agent(url, "ann", max_concurrent=50)
    add_agent(url, "sue", role="supervisor")
    settings = Settings(environment="development", database_url=url, handoff_secret=SECRET, identity_secret=IDENTITY_SECRET, auto_assign=False, demo_agent_username=None, store_path=tmp / "store.db")
    kb = KbSettings(knowledge_dir=ROOT / "knowledge", index_dir=tmp / "kb")
    app = create_app(settings, rasa_transport=httpx.MockTransport(FakeRasa().handler), kb_settings=kb)
    with ServerThread(app) as server, httpx.Client(timeout=60) as http:
        yield Console(server.url, login(http, server.url, "ann", "password-123"), login(http, server.url, "sue", "password-123"))


def claimed_chat(http: httpx.Client, console: Console, customer_id: str | None = "C1001") -> tuple[str, dict[str, str]]:
    cid, auth = open_chat(http, console.url, customer_id)
    escalate(http, console.url, cid)
    assert http.post(f"{console.url}/api/agent/conversations/{cid}/claim", headers=console.ann).status_code == 200
    return cid, auth


def test_customer_360_comes_from_the_store_with_past_chats_and_notes(console: Console, http: httpx.Client):
    cid, _ = claimed_chat(http, console)
    noted = http.post(f"{console.url}/api/agent/customers/C1001/notes", json={"text": "喜欢宽松版型", "tags": ["怕冷"]}, headers=console.ann)
    assert noted.status_code == 201
    customer = http.get(f"{console.url}/api/agent/conversations/{cid}", headers=console.ann).json()["customer"]
    assert customer["name"] == "林晓雨"
    assert customer["order_count"] >= 3 and customer["average_order_value"] > 0
    assert any(o["logistics"] for o in customer["orders"])
    assert "VIP" in customer["tags"] and "怕冷" in customer["tags"]
    assert customer["notes"][0]["text"] == "喜欢宽松版型" and customer["notes"][0]["by"] == "Ann"
    assert cid in [c["conversation_id"] for c in customer["past_conversations"]]


def test_suggestions_answer_the_last_question_and_fill_canned_replies(console: Console, http: httpx.Client):
    cid, auth = claimed_chat(http, console)
    http.post(f"{console.url}/api/sessions/{cid}/messages", json={"text": "亲，什么时候发货呀"}, headers=auth)
    got = http.get(f"{console.url}/api/agent/conversations/{cid}/suggestions", headers=console.ann).json()
    assert got["for_message"] == "亲，什么时候发货呀"
    assert got["knowledge"][0]["id"] == "shipping_time" and "48 小时" in got["knowledge"][0]["text"]
    greet = next(c for c in got["canned"] if c["id"] == "greet")
    assert greet["text"].startswith("亲爱的林晓雨您好，我是客服Ann")
    assert all("{" not in c["text"] for c in got["canned"])


def test_canned_replies_needing_an_order_are_left_out_for_a_guest(console: Console, http: httpx.Client):
    cid, auth = claimed_chat(http, console, customer_id=None)
    http.post(f"{console.url}/api/sessions/{cid}/messages", json={"text": "hello"}, headers=auth)
    canned = http.get(f"{console.url}/api/agent/conversations/{cid}/suggestions", headers=console.ann).json()["canned"]
    ids = {c["id"] for c in canned}
    assert "order_status" not in ids and "apology" in ids


def test_a_coupon_within_authority_reaches_the_shopper_at_once(console: Console, http: httpx.Client):
    cid, auth = claimed_chat(http, console)
    given = http.post(f"{console.url}/api/agent/conversations/{cid}/coupon", json={"amount": 10, "reason": "物流慢"}, headers=console.ann)
    assert given.status_code == 200 and given.json()["status"] == "issued"
    code = given.json()["coupon"]["code"]
    card = [e for e in events(http, console.url, cid, auth) if e["payload"].get("card", {}).get("type") == "coupon"]
    assert code in card[0]["text"] and card[0]["sender"] == "agent"


def test_a_coupon_above_authority_waits_for_a_supervisor(console: Console, http: httpx.Client):
    cid, auth = claimed_chat(http, console)
    asked = http.post(f"{console.url}/api/agent/conversations/{cid}/coupon", json={"amount": 50, "reason": "破损"}, headers=console.ann).json()
    assert asked["status"] == "pending"
    assert not [e for e in events(http, console.url, cid, auth) if e["payload"].get("card")]
    assert http.get(f"{console.url}/api/agent/approvals", headers=console.ann).status_code == 403
    pending = http.get(f"{console.url}/api/agent/approvals", headers=console.sue).json()["pending"]
    assert asked["request_id"] in [p["request_id"] for p in pending]
    approved = http.post(f"{console.url}/api/agent/approvals/{asked['request_id']}", json={"approve": True}, headers=console.sue)
    assert approved.json()["status"] == "issued"
    again = http.post(f"{console.url}/api/agent/approvals/{asked['request_id']}", json={"approve": True}, headers=console.sue)
    assert again.status_code == 409
    assert [e for e in events(http, console.url, cid, auth) if e["payload"].get("card", {}).get("type") == "coupon"]
    actions = [e["action"] for e in http.get(f"{console.url}/api/agent/audit", params={"conversation_id": cid}, headers=console.sue).json()["entries"]]
    assert actions[:3] == ["coupon.issued", "coupon.approved", "coupon.requested"]


def test_starting_a_return_sends_the_address_and_steps(console: Console, http: httpx.Client):
    cid, auth = claimed_chat(http, console)
    orders = http.get(f"{console.url}/api/agent/customers/C1001", headers=console.ann).json()["orders"]
    delivered = next(o["order_id"] for o in orders if o["status"] == "delivered")
    started = http.post(
        f"{console.url}/api/agent/conversations/{cid}/return",
        json={"order_id": delivered, "kind": "exchange", "reason": "尺码偏小"}, headers=console.ann,
    )
    assert started.status_code == 201, started.text
    message = [e for e in events(http, console.url, cid, auth) if e["payload"].get("card", {}).get("type") == "return"][0]
    assert started.json()["return_id"] in message["text"] and "悦衣小铺售后仓" in message["text"]
    twice = http.post(
        f"{console.url}/api/agent/conversations/{cid}/return",
        json={"order_id": delivered, "kind": "exchange", "reason": "again"}, headers=console.ann,
    )
    assert twice.status_code == 409 and "already" in twice.json()["message"]


def test_remedies_need_the_chat_to_be_yours(console: Console, http: httpx.Client):
    cid, _ = open_chat(http, console.url)
    escalate(http, console.url, cid)
    refused = http.post(f"{console.url}/api/agent/conversations/{cid}/coupon", json={"amount": 5}, headers=console.ann)
    assert refused.status_code == 403
