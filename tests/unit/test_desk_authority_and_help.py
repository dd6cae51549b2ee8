"""#19 over real HTTP on a real SQLite database and the demo store: remedies within and above an
agent's authority (approved by a supervisor, audit-logged, in the customer 360), senior help with
its timer, whispers the shopper never sees, taking a chat over; shifts and suggested staffing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from handoff_service.app import create_app
from handoff_service.settings import Settings
from kb_index.settings import KbSettings
from tests.conftest import ROOT, ServerThread
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


@dataclass
class Desk:
    url: str
    ann: dict[str, str]
    sue: dict[str, str]
    sue_id: int


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    tmp = tmp_path_factory.mktemp("authority")
    url = f"sqlite+aiosqlite:///{tmp / 'h.db'}"
    add_agent(url, "ann", max_concurrent=50)
    add_agent(url, "sue", role="supervisor", max_concurrent=50)
    settings = Settings(
        environment="development", database_url=url, handoff_secret=SECRET, identity_secret=IDENTITY_SECRET,
        auto_assign=False, demo_agent_username=None, store_path=tmp / "store.db", help_target_seconds=1,
        sweep_interval_seconds=0.2,
    )  # fmt: skip
    kb = KbSettings(knowledge_dir=ROOT / "knowledge", index_dir=tmp / "kb")
    app = create_app(settings, rasa_transport=httpx.MockTransport(FakeRasa().handler), kb_settings=kb)
    with ServerThread(app) as server, httpx.Client(timeout=60) as http:
        sue = login(http, server.url, "sue", "password-123")
        sue_id = http.get(f"{server.url}/api/agent/me", headers=sue).json()["id"]
        yield Desk(server.url, login(http, server.url, "ann", "password-123"), sue, sue_id)


def claimed_chat(http: httpx.Client, desk: Desk, customer_id: str = "C1002") -> tuple[str, dict[str, str]]:
    cid, auth = open_chat(http, desk.url, customer_id)
    escalate(http, desk.url, cid)
    assert http.post(f"{desk.url}/api/agent/conversations/{cid}/claim", headers=desk.ann).status_code == 200
    return cid, auth


def shipped_order(http: httpx.Client, desk: Desk, customer_id: str) -> str:
    orders = http.get(f"{desk.url}/api/agent/customers/{customer_id}", headers=desk.ann).json()["orders"]
    return next(o["order_id"] for o in orders if o["status"] in ("shipped", "delivered"))


def test_a_waiver_within_the_agents_limit_is_done_at_once_and_shown_to_the_shopper(desk: Desk, http: httpx.Client):
    cid, auth = claimed_chat(http, desk, "C1003")
    order = shipped_order(http, desk, "C1003")
    done = http.post(f"{desk.url}/api/agent/conversations/{cid}/remedy", headers=desk.ann,
                     json={"order_id": order, "kind": "return_shipping_waiver", "amount": 12, "reason": "尺码不合适"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done" and done.json()["remedy"]["kind"] == "return_shipping_waiver"
    card = next(e for e in events(http, desk.url, cid, auth) if e["payload"].get("card", {}).get("type") == "remedy")
    assert "退货运费由我们承担" in card["text"] and card["payload"]["card"]["order_id"] == order


def test_a_reship_above_the_agents_limit_waits_for_a_supervisor_then_is_done(desk: Desk, http: httpx.Client):
    cid, auth = claimed_chat(http, desk, "C1002")
    order = shipped_order(http, desk, "C1002")
    asked = http.post(f"{desk.url}/api/agent/conversations/{cid}/remedy", headers=desk.ann,
                      json={"order_id": order, "kind": "reship", "amount": 399, "reason": "包裹丢失"})
    assert asked.json()["status"] == "pending" and asked.json()["limit"] == 100
    assert not any(e["payload"].get("card") for e in events(http, desk.url, cid, auth))  # nothing done yet
    pending = http.get(f"{desk.url}/api/agent/remedy-approvals", headers=desk.sue).json()["pending"]
    request = next(p for p in pending if p["conversation_id"] == cid)
    assert (request["kind"], request["amount"], request["requested_by_name"]) == ("reship", 399, "Ann")
    assert http.get(f"{desk.url}/api/agent/remedy-approvals", headers=desk.ann).status_code == 403  # agents do not decide
    approved = http.post(f"{desk.url}/api/agent/remedy-approvals/{request['request_id']}", json={"approve": True}, headers=desk.sue)
    assert approved.json()["status"] == "done"
    again = http.post(f"{desk.url}/api/agent/remedy-approvals/{request['request_id']}", json={"approve": True}, headers=desk.sue)
    assert again.status_code == 409  # decided once
    card = next(e for e in events(http, desk.url, cid, auth) if e["payload"].get("card", {}).get("type") == "remedy")
    assert card["payload"]["agent_name"] == "Ann" and card["payload"]["approved_by"] == "Sue"
    # audit log and customer 360
    actions = [e["action"] for e in http.get(f"{desk.url}/api/agent/audit", params={"conversation_id": cid}, headers=desk.sue).json()["entries"]]
    assert {"remedy.reship.requested", "remedy.reship.approved", "remedy.reship.done"} <= set(actions)
    history = http.get(f"{desk.url}/api/agent/customers/C1002/remedies", headers=desk.ann).json()["remedies"]
    assert history[0]["kind"] == "reship" and history[0]["decided_by"] == "Sue" and history[0]["reference"].startswith("M")
    customer = http.get(f"{desk.url}/api/agent/conversations/{cid}", headers=desk.ann).json()["customer"]
    assert customer["remedies"][0]["kind"] == "reship" and customer["remedies"][0]["requested_by"] == "Ann"


def test_the_store_refusing_a_remedy_is_a_clear_conflict(desk: Desk, http: httpx.Client):
    cid, _ = claimed_chat(http, desk, "C1004")
    refused = http.post(f"{desk.url}/api/agent/conversations/{cid}/remedy", headers=desk.ann,
                        json={"order_id": "NO-SUCH", "kind": "gift", "amount": 5})
    assert refused.status_code == 409 and "the store refused" in refused.json()["message"]
    bad = http.post(f"{desk.url}/api/agent/conversations/{cid}/remedy", headers=desk.ann, json={"order_id": "X", "kind": "cake"})
    assert bad.status_code == 400


def test_the_authority_table_names_each_roles_limits(desk: Desk, http: httpx.Client):
    table = http.get(f"{desk.url}/api/agent/authority", headers=desk.ann).json()
    assert table["mine"]["coupon"] == 20 and table["mine"]["reship"] == 100
    assert table["table"]["bot"]["coupon"] < table["table"]["agent"]["coupon"] < table["table"]["supervisor"]["coupon"]


def test_senior_help_whispers_never_reach_the_shopper_and_the_senior_takes_over(desk: Desk, http: httpx.Client):
    cid, auth = claimed_chat(http, desk, "C1005")
    asked = http.post(f"{desk.url}/api/agent/conversations/{cid}/help", json={"note": "顾客要求赔偿两倍"}, headers=desk.ann)
    assert asked.status_code == 201 and asked.json()["target_seconds"] == 1
    assert http.post(f"{desk.url}/api/agent/conversations/{cid}/help", json={}, headers=desk.ann).status_code == 409
    time.sleep(1.3)  # past the target: the list shows it overdue
    listed = http.get(f"{desk.url}/api/agent/help-requests", headers=desk.sue).json()["requests"]
    mine = next(r for r in listed if r["conversation_id"] == cid)
    assert mine["overdue"] and mine["waited_seconds"] >= 1 and mine["requested_by_name"] == "Ann"
    joined = http.post(f"{desk.url}/api/agent/help-requests/{mine['request_id']}/join", headers=desk.sue).json()
    assert joined["status"] == "joined" and joined["answered_at"]

    note = http.post(f"{desk.url}/api/agent/conversations/{cid}/whispers", json={"text": "先补发，再给 20 元券"}, headers=desk.sue)
    assert note.status_code == 201
    notes = http.get(f"{desk.url}/api/agent/conversations/{cid}/whispers", headers=desk.ann).json()["notes"]
    assert [n["text"] for n in notes] == ["先补发，再给 20 元券"] and notes[0]["by"] == "Sue"
    shopper_sees = events(http, desk.url, cid, auth)
    assert not any("先补发" in e["text"] or "先补发" in str(e["payload"]) for e in shopper_sees)
    assert http.get(f"{desk.url}/api/agent/conversations/{cid}/whispers", headers=auth).status_code == 401

    assert http.post(f"{desk.url}/api/agent/conversations/{cid}/take-over", headers=desk.ann).status_code == 403
    assert http.post(f"{desk.url}/api/agent/conversations/{cid}/take-over", headers=desk.sue).status_code == 204
    detail = http.get(f"{desk.url}/api/agent/conversations/{cid}", headers=desk.sue).json()
    assert detail["assigned_agent_id"] == desk.sue_id
    # the helped agent no longer holds the chat, so its whispers are closed to them
    assert http.get(f"{desk.url}/api/agent/conversations/{cid}/whispers", headers=desk.ann).status_code == 403


def test_shifts_are_kept_per_agent_and_staffing_is_suggested_per_local_hour(desk: Desk, http: httpx.Client):
    shifts = {"shifts": [{"weekday": "mon", "start": "09:00", "end": "18:00"}, {"weekday": "sat", "start": "10:00", "end": "24:00"}]}
    saved = http.put(f"{desk.url}/api/agent/agents/{desk.sue_id}/shifts", json=shifts, headers=desk.sue)
    assert saved.status_code == 200, saved.text
    assert {(s["weekday"], s["start"], s["end"]) for s in saved.json()["shifts"]} == {("mon", "09:00", "18:00"), ("sat", "10:00", "24:00")}
    assert saved.json()["timezone"] == "Asia/Shanghai"
    backwards = {"shifts": [{"weekday": "mon", "start": "18:00", "end": "09:00"}]}
    assert http.put(f"{desk.url}/api/agent/agents/{desk.sue_id}/shifts", json=backwards, headers=desk.sue).status_code == 400
    staffing = http.get(f"{desk.url}/api/agent/staffing", params={"weeks": 1}, headers=desk.sue).json()
    assert len(staffing["hours"]) == 7 * 24
    assert sum(h["average_chats"] for h in staffing["hours"]) >= 4  # the chats queued by the tests above
    assert all(h["agents"] >= 1 for h in staffing["hours"] if h["average_chats"])
    http.put(f"{desk.url}/api/agent/agents/{desk.sue_id}/shifts", json={"shifts": []}, headers=desk.sue)
