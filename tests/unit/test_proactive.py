"""Proactive service over real HTTP, a real SMTP server (aiosmtpd) and the demo store: the scan sends
one alert per rule kind the demo data holds, never twice; an alert lands in the shopper's open chat or
opens one the widget takes; a choice button gives the coupon or the remedy through the store; the
store's signed webhook refuses what it must and keeps the rest of a batch."""

from __future__ import annotations

import email
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from handoff_service.app import create_app
from handoff_service.chat.identity import sign_customer
from handoff_service.settings import Settings
from kb_index.settings import KbSettings
from kefu.supervisor import free_port
from kefu_contract.packet import sign
from tests.conftest import ROOT, ServerThread, wait_until
from tests.handoff_helpers import (
    IDENTITY_SECRET,
    SECRET,
    FakeRasa,
    add_agent,
    escalate,
    events,
    login,
    open_chat,
)

WEBHOOK_SECRET = "unit-test-store-webhook-secret"
KINDS = {"no_tracking_update", "shipped", "delivery_exception", "presale_delay", "refund_completed"}


@dataclass
class Mailbox:
    """aiosmtpd's handler: every message the real SMTP server accepted."""

    port: int = 0
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture(scope="module")
def smtp() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@dataclass
class Shop:
    url: str
    sue: dict[str, str]
    first_scan: dict[str, Any]
    c1001_chat: str


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, smtp: Mailbox) -> Iterator[Shop]:
    tmp = tmp_path_factory.mktemp("proactive")
    url = f"sqlite+aiosqlite:///{tmp / 'h.db'}"
    add_agent(url, "sue", role="supervisor")
    settings = Settings(
        environment="development", database_url=url, handoff_secret=SECRET, identity_secret=IDENTITY_SECRET,
        auto_assign=False, demo_agent_username=None, store_path=tmp / "store.db", proactive_quiet_hours="",
        proactive_scan_seconds=3600, store_webhook_secret=WEBHOOK_SECRET, smtp_host="127.0.0.1",
        smtp_port=smtp.port, smtp_sender="service@yue.example", proactive_rules_path=ROOT / "proactive/rules.yml",
        proactive_daily_cap=5, proactive_enabled=False,  # no scan loop: the test scans when it wants
    )  # fmt: skip
    kb = KbSettings(knowledge_dir=ROOT / "knowledge", index_dir=tmp / "kb")
    app = create_app(settings, rasa_transport=httpx.MockTransport(FakeRasa().handler), kb_settings=kb)
    with ServerThread(app) as server, httpx.Client(timeout=60) as http:
        sue = login(http, server.url, "sue", "password-123")
        c1001_chat, _ = open_chat(http, server.url, "C1001")  # C1001 is chatting when her pre-sale alert comes
        # the scan loop's first pass may already have run at start-up: this one sends what it left
        first = http.post(f"{server.url}/api/proactive/scan", headers=sue)
        assert first.status_code == 200, first.text
        yield Shop(server.url, sue, first.json(), c1001_chat)


def overview(http: httpx.Client, shop: Shop) -> dict[str, Any]:
    got = http.get(f"{shop.url}/api/proactive/overview", headers=shop.sue)
    assert got.status_code == 200, got.text
    return got.json()


def sent_alerts(http: httpx.Client, shop: Shop) -> list[dict[str, Any]]:
    return [a for a in overview(http, shop)["today"]["alerts"] if a["outcome"] == "sent"]


def test_the_scan_sends_one_alert_per_rule_kind_of_the_demo_data_and_never_twice(shop: Shop, http: httpx.Client, smtp: Mailbox) -> None:
    alerts = sent_alerts(http, shop)
    assert {a["kind"] for a in alerts} == KINDS
    stuck = next(a for a in alerts if a["kind"] == "no_tracking_update")
    assert (stuck["order_id"], stuck["customer_id"], stuck["lang"]) == ("O20261115004", "C1002", "en")
    assert "has not moved for 60 hours" in stuck["text"] and [c["id"] for c in stuck["choices"]] == ["wait_coupon", "reship", "refund"]
    assert stuck["channels"] == {"chat": "sent", "email": "sent"}
    again = http.post(f"{shop.url}/api/proactive/scan", headers=shop.sue).json()
    assert [a for a in again["alerts"] if a["outcome"] == "sent"] == []
    assert len(sent_alerts(http, shop)) == len(alerts)  # at most one per order and rule
    mail = next(m for m in smtp.messages if m["To"] == "emma.zhang@example.com")
    assert "O20261115004" in mail["Subject"] and mail["From"] == "service@yue.example"
    plain = next(p for p in mail.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert "I'll wait: give me a ¥10 coupon" in plain
    zh_mail = next(m for m in smtp.messages if m["To"] == "zhouzihan@example.com")
    assert "【悦衣小铺】" in str(email.header.make_header(email.header.decode_header(zh_mail["Subject"])))


def test_an_alert_goes_into_the_chat_the_shopper_has_open(shop: Shop, http: httpx.Client) -> None:
    presale = next(a for a in sent_alerts(http, shop) if a["kind"] == "presale_delay")
    assert presale["conversation_id"] == shop.c1001_chat and presale["order_id"] == "O20261118003"
    assert "预计" in presale["text"] and "晚了 7 天" in presale["text"]


def test_a_new_chat_is_taken_by_the_widget_and_a_choice_gives_the_coupon(shop: Shop, http: httpx.Client) -> None:
    guest = http.post(f"{shop.url}/api/proactive/inbox", json={"customer_id": "C1002", "lang": "en"}).json()
    assert guest["conversation_id"] is None  # unsigned: nothing
    signed = {"customer_id": "C1002", "customer_signature": sign_customer("C1002", IDENTITY_SECRET), "lang": "en"}
    taken = http.post(f"{shop.url}/api/proactive/inbox", json=signed).json()
    assert taken["conversation_id"] and taken["unread"] == 1 and taken["state"] == "bot"
    auth = {"Authorization": f"Bearer {taken['token']}"}
    alert = events(http, shop.url, taken["conversation_id"], auth)[0]
    assert alert["sender"] == "bot" and alert["payload"]["proactive"]["order_id"] == "O20261115004"
    coupon_button = alert["payload"]["buttons"][0]
    assert coupon_button["title"] == "I'll wait: give me a ¥10 coupon"
    assert http.post(f"{shop.url}/api/proactive/inbox", json=signed).json()["conversation_id"] is None  # taken once

    sent = http.post(f"{shop.url}/api/sessions/{taken['conversation_id']}/messages", json={"text": coupon_button["payload"]}, headers=auth)
    assert sent.status_code == 202
    reply = events(http, shop.url, taken["conversation_id"], auth)[-1]
    assert reply["sender"] == "bot" and reply["payload"]["card"]["type"] == "coupon" and reply["payload"]["card"]["amount"] == 10
    assert reply["text"].startswith("Done: ¥10 apology coupon")
    twice = http.post(f"{shop.url}/api/sessions/{taken['conversation_id']}/messages", json={"text": alert["payload"]["buttons"][1]["payload"]}, headers=auth)
    assert twice.status_code == 202
    assert "already chose" in events(http, shop.url, taken["conversation_id"], auth)[-1]["text"]
    chosen = overview(http, shop)["choices"]
    assert chosen[0]["order_id"] == "O20261115004" and chosen[0]["choice"] == "wait_coupon" and chosen[0]["choice_result"]["ok"]
    profile = http.get(f"{shop.url}/api/proactive/overview", headers=shop.sue).json()
    assert profile["today"]["replied"] >= 1


def test_a_remedy_choice_goes_through_the_store_and_another_shoppers_alert_is_refused(shop: Shop, http: httpx.Client) -> None:
    signed = {"customer_id": "C1006", "customer_signature": sign_customer("C1006", IDENTITY_SECRET), "lang": "zh"}
    taken = http.post(f"{shop.url}/api/proactive/inbox", json=signed).json()
    auth = {"Authorization": f"Bearer {taken['token']}"}
    alerts = [e for e in events(http, shop.url, taken["conversation_id"], auth) if e["payload"].get("proactive")]
    exception = next(e for e in alerts if e["payload"]["proactive"]["kind"] == "delivery_exception")
    reship = next(b for b in exception["payload"]["buttons"] if b["title"] == "重新给我发一件")
    # someone else's chat cannot use it
    other, other_auth = open_chat(http, shop.url, "C1003")
    http.post(f"{shop.url}/api/sessions/{other}/messages", json={"text": reship["payload"]}, headers=other_auth)
    assert "已经失效" in events(http, shop.url, other, other_auth)[-1]["text"]
    http.post(f"{shop.url}/api/sessions/{taken['conversation_id']}/messages", json={"text": reship["payload"]}, headers=auth)
    reply = events(http, shop.url, taken["conversation_id"], auth)[-1]
    assert reply["text"].startswith("好的，已为订单 O20261119014 安排补发（处理单号 M")


def test_agents_see_the_alert_in_the_transcript_the_packet_and_the_customer_360(shop: Shop, http: httpx.Client) -> None:
    stuck = next(a for a in sent_alerts(http, shop) if a["kind"] == "no_tracking_update")
    cid = stuck["conversation_id"]
    escalated = escalate(http, shop.url, cid, reason="explicit_request")[0]
    assert escalated.status_code == 201, escalated.text
    detail = http.get(f"{shop.url}/api/agent/conversations/{cid}", headers=shop.sue).json()
    assert detail["events"][0]["payload"]["proactive"]["order_id"] == "O20261115004"
    assert detail["escalation"]["proactive"][0]["text"] == stuck["text"]
    assert detail["escalation"]["proactive"][0]["choice"] == "wait_coupon"
    alerts = detail["customer"]["alerts"]
    assert [(a["kind"], a["outcome"], a["choice"]) for a in alerts] == [("no_tracking_update", "sent", "wait_coupon")]


def post_events(http: httpx.Client, shop: Shop, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    return http.post(f"{shop.url}/api/store/events", content=body, headers={"content-type": "application/json", **(headers or {})})


def exception_event(order_id: str = "W1") -> dict[str, Any]:
    now = time.time()
    iso = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - 3600))
    return {"type": "delivery.exception", "order": {
        "order_id": order_id, "customer_id": "C1005", "status": "shipped", "total": 120.0, "created_at": iso,
        "items": ["Wool socks"], "carrier": "SF Express", "tracking_no": "SF1", "shipped_at": iso, "last_tracking_at": iso,
        "last_tracking_text": "Delivery failed: nobody home", "exception": "failed_delivery", "customer_name": "Liam Chen",
        "customer_lang": "en",
    }}  # fmt: skip


def test_webhook_refuses_unsigned_wrongly_signed_replayed_and_oversized_calls(shop: Shop, http: httpx.Client) -> None:
    body = json.dumps({"events": [exception_event("W0")]}).encode()
    unsigned = post_events(http, shop, body)
    assert unsigned.status_code == 401 and "missing signature" in unsigned.json()["message"]
    wrong = post_events(http, shop, body, sign(body, "not-the-store-secret"))
    assert wrong.status_code == 401 and "does not match" in wrong.json()["message"]
    stale = post_events(http, shop, body, sign(body, WEBHOOK_SECRET, int(time.time()) - 3600))
    assert stale.status_code == 401 and "too old" in stale.json()["message"]
    headers = sign(body, WEBHOOK_SECRET)
    assert post_events(http, shop, body, headers).status_code == 202
    replayed = post_events(http, shop, body, headers)
    assert replayed.status_code == 409 and "replayed" in replayed.json()["message"]
    big = json.dumps({"events": [exception_event(f"B{i}") for i in range(200)]}).encode()
    oversized = post_events(http, shop, big, sign(big, WEBHOOK_SECRET))
    assert oversized.status_code == 413 and "larger than 65536 bytes" in oversized.json()["message"]
    not_json = b"{events"
    assert post_events(http, shop, not_json, sign(not_json, WEBHOOK_SECRET)).status_code == 400


def test_a_malformed_event_is_named_and_the_rest_of_the_batch_is_kept(shop: Shop, http: httpx.Client) -> None:
    bad = exception_event("W2")
    del bad["order"]["customer_id"]
    worse = exception_event("W3")
    worse["order"]["last_tracking_at"] = "yesterday"
    body = json.dumps({"events": [exception_event("W1"), bad, worse]}).encode()
    answer = post_events(http, shop, body, sign(body, WEBHOOK_SECRET))
    assert answer.status_code == 202, answer.text
    got = answer.json()
    assert got["accepted"] == 1
    assert [r["field"] for r in got["rejected"]] == ["events[1].order.customer_id", "events[2].order.last_tracking_at"]
    assert "'yesterday' is not an ISO 8601 time" in got["rejected"][1]["message"]
    assert [(a["order_id"], a["kind"], a["outcome"]) for a in got["alerts"]] == [("W1", "delivery_exception", "sent")]


def test_the_scan_loop_runs_by_itself_under_the_supervisor_and_shows_in_healthz(tmp_path: Path, http: httpx.Client) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"
    add_agent(url, "sue", role="supervisor")
    settings = Settings(
        environment="development", database_url=url, handoff_secret=SECRET, demo_agent_username=None,
        store_path=tmp_path / "store.db", proactive_enabled=True, proactive_scan_seconds=1, proactive_quiet_hours="",
    )  # fmt: skip
    app = create_app(settings, rasa_transport=httpx.MockTransport(FakeRasa().handler))
    with ServerThread(app) as server:
        sue = login(http, server.url, "sue", "password-123")
        today = wait_until(lambda: http.get(f"{server.url}/api/proactive/overview", headers=sue).json()["today"]["counts"].get("sent") == 5)
        assert today
        loop = http.get(f"{server.url}/healthz").json()["loops"]["proactive_scan"]
        assert loop["ok"] and loop["failures_in_a_row"] == 0
