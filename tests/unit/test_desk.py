"""The desk over real HTTP on SQLite and PostgreSQL: assignment, caps, languages and skills,
transfer, close with CSAT, callbacks, first-response alerts, roles, metrics."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from handoff_service.app import create_app
from handoff_service.settings import Settings
from tests.conftest import ServerThread, wait_until
from tests.handoff_helpers import IDENTITY_SECRET, SECRET, FakeRasa, add_agent, database, escalate, events, login, open_chat, socket_auth


@dataclass
class Desk:
    url: str
    database_url: str

    def agent(self, http: httpx.Client, username: str, status: str | None = "online") -> dict[str, str]:
        auth = login(http, self.url, username, "password-123")
        if status:
            assert http.put(f"{self.url}/api/agent/status", json={"status": status}, headers=auth).status_code == 200
        return auth


def start_desk(tmp_path: Path, kind: str, agents: dict[str, dict[str, Any]], **settings: Any) -> Iterator[Desk]:
    with database(kind, tmp_path) as url:
        for username, fields in agents.items():
            add_agent(url, username, **fields)
        config = Settings(
            environment="development", database_url=url, handoff_secret=SECRET, identity_secret=IDENTITY_SECRET, demo_agent_username=None,
            sweep_interval_seconds=0.2, **settings,
        )
        with ServerThread(create_app(config, rasa_transport=httpx.MockTransport(FakeRasa().handler))) as server:
            yield Desk(server.url, url)


TEAM = {
    "ann": {"max_concurrent": 1, "languages": ["zh"]},
    "ben": {"max_concurrent": 2, "languages": ["zh", "en"], "skills": ["returns"]},
    "sue": {"role": "supervisor", "max_concurrent": 2},
    "tom": {"role": "trainer"},
}


@pytest.fixture(params=["sqlite", "postgresql"])
def desk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Desk]:
    yield from start_desk(tmp_path, request.param, TEAM)


def state_of(http: httpx.Client, desk: Desk, auth: dict[str, str], cid: str) -> dict[str, Any]:
    return http.get(f"{desk.url}/api/agent/conversations/{cid}", headers=auth).json()


def test_waiting_chat_goes_to_the_least_loaded_agent_who_speaks_the_language(desk: Desk, http: httpx.Client):
    ann = desk.agent(http, "ann")
    ben = desk.agent(http, "ben")
    first, _ = open_chat(http, desk.url, lang="zh")
    escalate(http, desk.url, first)
    second, _ = open_chat(http, desk.url, lang="zh")
    escalate(http, desk.url, second)
    english, _ = open_chat(http, desk.url, lang="en")
    escalate(http, desk.url, english, language="en")

    owners = {cid: state_of(http, desk, ann, cid)["assigned_agent_name"] for cid in (first, second, english)}
    assert sorted(owners.values()) == ["Ann", "Ben", "Ben"]
    assert owners[english] == "Ben"  # Ann speaks only Chinese
    assert http.get(f"{desk.url}/api/agent/me", headers=ben).json()["status"] == "online"


def test_chats_beyond_every_cap_wait_with_a_position_and_an_estimate(desk: Desk, http: httpx.Client):
    desk.agent(http, "ann")  # one seat
    chats = [open_chat(http, desk.url) for _ in range(3)]
    for cid, _ in chats:
        escalate(http, desk.url, cid)
    cid, auth = chats[2]
    page = http.get(f"{desk.url}/api/sessions/{cid}/events", params={"wait": "false"}, headers=auth).json()
    assert page["state"] == "queued"
    assert page["queue"] == {"position": 2, "wait_seconds": 2 * 240}


def test_a_chat_needing_a_skill_waits_for_an_agent_with_it(desk: Desk, http: httpx.Client):
    sue = desk.agent(http, "sue")
    cid, _ = open_chat(http, desk.url)
    escalate(http, desk.url, cid, slots={"skill": "returns"})
    assert state_of(http, desk, sue, cid)["state"] == "queued"
    desk.agent(http, "ben")
    assert wait_until(lambda: state_of(http, desk, sue, cid)["assigned_agent_name"] == "Ben", timeout=10)


def test_manual_claim_beyond_the_cap_is_refused(desk: Desk, http: httpx.Client):
    ann = desk.agent(http, "ann", status=None)  # offline: nothing auto-assigned
    first, _ = open_chat(http, desk.url)
    second, _ = open_chat(http, desk.url)
    escalate(http, desk.url, first)
    escalate(http, desk.url, second)
    assert http.post(f"{desk.url}/api/agent/conversations/{first}/claim", headers=ann).status_code == 200
    refused = http.post(f"{desk.url}/api/agent/conversations/{second}/claim", headers=ann)
    assert refused.status_code == 409
    assert "limit" in refused.json()["message"]


def test_only_one_of_many_simultaneous_claims_wins(desk: Desk, http: httpx.Client):
    claimers = [desk.agent(http, name, status=None) for name in ("ann", "ben", "sue")] * 3
    cid, _ = open_chat(http, desk.url)
    escalate(http, desk.url, cid)
    results: list[int] = []
    barrier = threading.Barrier(len(claimers))

    def claim(auth: dict[str, str]) -> None:
        with httpx.Client(timeout=30) as client:
            barrier.wait()
            results.append(client.post(f"{desk.url}/api/agent/conversations/{cid}/claim", headers=auth).status_code)

    threads = [threading.Thread(target=claim, args=(auth,)) for auth in claimers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] + [409] * (len(claimers) - 1)
    joined = [e for e in state_of(http, desk, claimers[0], cid)["events"] if e["payload"].get("state") == "agent"]
    assert len(joined) == 1


def test_away_agents_get_nothing_until_they_come_back(desk: Desk, http: httpx.Client):
    ann = desk.agent(http, "ann", status="away")
    cid, _ = open_chat(http, desk.url)
    escalate(http, desk.url, cid)
    assert state_of(http, desk, ann, cid)["state"] == "queued"
    http.put(f"{desk.url}/api/agent/status", json={"status": "online"}, headers=ann)
    assert state_of(http, desk, ann, cid)["assigned_agent_name"] == "Ann"


def test_transfer_to_a_colleague_and_to_a_team(desk: Desk, http: httpx.Client):
    ann = desk.agent(http, "ann")
    cid, auth = open_chat(http, desk.url)
    escalate(http, desk.url, cid)
    ben_id = next(a["id"] for a in http.get(f"{desk.url}/api/agent/agents", headers=desk.agent(http, "sue", None)).json()["agents"] if a["username"] == "ben")
    desk.agent(http, "ben", status=None)
    moved = http.post(f"{desk.url}/api/agent/conversations/{cid}/transfer", json={"to_agent_id": ben_id}, headers=ann)
    assert moved.status_code == 200 and moved.json()["assigned_agent_name"] == "Ben"
    assert http.post(f"{desk.url}/api/agent/conversations/{cid}/messages", json={"text": "hi"}, headers=ann).status_code == 403
    ben = login(http, desk.url, "ben", "password-123")
    to_team = http.post(f"{desk.url}/api/agent/conversations/{cid}/transfer", json={"team": "vip"}, headers=ben)
    assert to_team.status_code == 200 and to_team.json()["state"] == "queued"
    assert [e["text"] for e in events(http, desk.url, cid, auth) if e["kind"] == "state"][-1].startswith("正在为您转接")


def test_closing_asks_the_shopper_for_a_rating_once(desk: Desk, http: httpx.Client):
    ann = desk.agent(http, "ann")
    cid, auth = open_chat(http, desk.url)
    escalate(http, desk.url, cid)
    early = http.post(f"{desk.url}/api/sessions/{cid}/csat", json={"score": 5}, headers=auth)
    assert early.status_code == 409
    assert http.post(f"{desk.url}/api/agent/conversations/{cid}/close", headers=ann).status_code == 200
    kinds = [e["kind"] for e in events(http, desk.url, cid, auth)]
    assert kinds[-1] == "csat_request"
    rated = http.post(f"{desk.url}/api/sessions/{cid}/csat", json={"score": 4, "comment": "很耐心"}, headers=auth)
    assert rated.status_code == 201
    assert http.post(f"{desk.url}/api/sessions/{cid}/csat", json={"score": 1}, headers=auth).status_code == 409
    assert http.post(f"{desk.url}/api/sessions/{cid}/messages", json={"text": "还在吗"}, headers=auth).status_code == 409
    metrics = http.get(f"{desk.url}/metrics").text
    assert 'kefu_csat_answers_total{score="4"} 1.0' in metrics
    assert 'kefu_escalations_total{reason="explicit_request"} 1.0' in metrics
    assert "kefu_handle_seconds_count 1.0" in metrics


def test_the_freed_seat_goes_to_the_next_waiting_chat(desk: Desk, http: httpx.Client):
    ann = desk.agent(http, "ann")
    first, _ = open_chat(http, desk.url)
    second, second_auth = open_chat(http, desk.url)
    escalate(http, desk.url, first)
    escalate(http, desk.url, second)
    assert state_of(http, desk, ann, second)["state"] == "queued"
    http.post(f"{desk.url}/api/agent/conversations/{first}/handback", json={"outcome": "resolved"}, headers=ann)
    assert state_of(http, desk, ann, second)["assigned_agent_name"] == "Ann"
    notices = [e["payload"].get("state") for e in events(http, desk.url, second, second_auth) if e["kind"] == "state"]
    assert notices == ["queued", "agent"]


def test_roles_guard_the_console(desk: Desk, http: httpx.Client):
    tom = login(http, desk.url, "tom", "password-123")
    assert http.get(f"{desk.url}/api/agent/queue", headers=tom).status_code == 403
    ann = desk.agent(http, "ann", status=None)
    assert http.get(f"{desk.url}/api/agent/agents", headers=ann).status_code == 403
    sue = desk.agent(http, "sue", status=None)
    load = http.get(f"{desk.url}/api/agent/agents", headers=sue).json()["agents"]
    assert {a["username"]: a["max_concurrent"] for a in load}["ben"] == 2


def test_leaving_takes_the_chat_out_of_the_queue(desk: Desk, http: httpx.Client):
    sue = desk.agent(http, "sue", status=None)
    cid, auth = open_chat(http, desk.url)
    escalate(http, desk.url, cid)
    assert http.post(f"{desk.url}/api/sessions/{cid}/leave", headers=auth).status_code == 204
    assert cid not in [i["conversation_id"] for i in http.get(f"{desk.url}/api/agent/queue", headers=sue).json()["items"]]
    assert http.post(f"{desk.url}/api/sessions/{cid}/leave", headers=auth).status_code == 409


@pytest.fixture
def impatient_desk(tmp_path: Path) -> Iterator[Desk]:
    yield from start_desk(tmp_path, "sqlite", TEAM, first_response_target_seconds=1, callback_after_seconds=2)


def test_a_late_first_response_alerts_supervisors(impatient_desk: Desk, http: httpx.Client):
    desk = impatient_desk
    sue = login(http, desk.url, "sue", "password-123")
    token = sue["Authorization"].split()[1]
    cid, _ = open_chat(http, desk.url)
    with connect(f"{desk.url.replace('http', 'ws')}/ws/agent", subprotocols=socket_auth(token)) as ws:
        escalate(http, desk.url, cid)
        alert = wait_until(lambda: _next_of_type(ws, "sla_alert"), timeout=10)
    assert alert["conversation_id"] == cid
    assert "kefu_first_response_sla_breaches_total 1.0" in http.get(f"{desk.url}/metrics").text


def test_no_one_in_time_becomes_a_callback_with_a_promise(impatient_desk: Desk, http: httpx.Client):
    desk = impatient_desk
    cid, auth = open_chat(http, desk.url)
    escalate(http, desk.url, cid)
    offer = wait_until(lambda: [e for e in events(http, desk.url, cid, auth) if e["payload"].get("state") == "callback"], timeout=10)
    assert "4 小时" in offer[0]["text"]
    saved = http.post(f"{desk.url}/api/sessions/{cid}/callback", json={"contact": "13800138000"}, headers=auth)
    assert saved.status_code == 201 and "13800138000" in saved.json()["event"]["text"]
    ann = desk.agent(http, "ann", status=None)
    item = next(i for i in http.get(f"{desk.url}/api/agent/queue", headers=ann).json()["items"] if i["conversation_id"] == cid)
    assert (item["state"], item["callback_contact"]) == ("callback", "138****8000")  # not Ann's chat yet
    assert http.post(f"{desk.url}/api/agent/conversations/{cid}/claim", headers=ann).status_code == 200
    mine = next(i for i in http.get(f"{desk.url}/api/agent/queue", headers=ann).json()["items"] if i["conversation_id"] == cid)
    assert mine["callback_contact"] == "13800138000"


def _next_of_type(ws: Any, kind: str) -> dict[str, Any] | None:
    frame = json.loads(ws.recv(timeout=10))
    return frame if frame.get("type") == kind else None


def test_a_waiting_shopper_sees_the_queue_move_live(desk: Desk, http: httpx.Client):
    first, first_auth = open_chat(http, desk.url)
    second, second_auth = open_chat(http, desk.url)
    escalate(http, desk.url, first)
    escalate(http, desk.url, second)
    token = second_auth["Authorization"].split()[1]
    with connect(f"{desk.url.replace('http', 'ws')}/ws/sessions/{second}", subprotocols=socket_auth(token)) as ws:
        assert wait_until(lambda: _queue_frame(ws, 2), timeout=10)
        http.post(f"{desk.url}/api/sessions/{first}/leave", headers=first_auth)
        moved = wait_until(lambda: _queue_frame(ws, 1), timeout=10)
    assert moved["queue"]["wait_seconds"] is None  # nobody online: no promise the desk cannot keep


def _queue_frame(ws: Any, position: int) -> dict[str, Any] | None:
    frame = json.loads(ws.recv(timeout=10))
    if frame.get("type") == "queue" and frame["queue"] and frame["queue"]["position"] == position:
        return frame
    return None


def test_any_agent_can_list_colleagues_to_transfer_to(desk: Desk, http: httpx.Client):
    ann = desk.agent(http, "ann", status=None)
    names = {a["display_name"] for a in http.get(f"{desk.url}/api/agent/colleagues", headers=ann).json()["agents"]}
    assert names == {"Ben", "Sue"}  # not herself, not the trainer
