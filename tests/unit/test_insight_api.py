"""The insight room over real HTTP: who may see what (401/403), surveys after a hand-back and at
the end of a bot-only chat (rate-limited) and NPS (once per 90 days), the dashboard's figures and
drill-down, the QA review queue, reviews shown to the agent, the case library, scorecards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.handoff_helpers import escalate, events, open_chat
from tests.unit.test_desk import Desk, start_desk

TEAM = {"ann": {"languages": ["zh", "en"]}, "sue": {"role": "supervisor"}, "tom": {"role": "trainer"}}


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    yield from start_desk(tmp_path, "sqlite", TEAM)


def kinds(http: httpx.Client, desk: Desk, cid: str, auth: dict[str, str]) -> list[str]:
    return [e["kind"] for e in events(http, desk.url, cid, auth) if e["kind"] not in ("message", "state")]


def served(http: httpx.Client, desk: Desk, ann: dict[str, str], text: str, customer: str = "C1001") -> tuple[str, dict[str, str]]:
    cid, auth = open_chat(http, desk.url, customer)
    assert http.post(f"{desk.url}/api/sessions/{cid}/messages", json={"text": text}, headers=auth).status_code == 202
    escalate(http, desk.url, cid)
    assert http.post(f"{desk.url}/api/agent/conversations/{cid}/claim", headers=ann).status_code == 200
    assert http.post(f"{desk.url}/api/agent/conversations/{cid}/messages", json={"text": "您好"}, headers=ann).status_code == 202
    return cid, auth


def test_surveys_after_a_hand_back_at_a_bot_chats_end_and_nps_are_rate_limited(desk: Desk, http: httpx.Client) -> None:
    ann = desk.agent(http, "ann", status=None)
    sue = desk.agent(http, "sue", status=None)
    cid, auth = served(http, desk, ann, "衣服破了")
    assert http.post(f"{desk.url}/api/agent/conversations/{cid}/handback", json={"outcome": "resolved"}, headers=ann).status_code == 200
    assert kinds(http, desk, cid, auth) == ["csat_request"]
    assert http.post(f"{desk.url}/api/sessions/{cid}/csat", json={"score": 4}, headers=auth).status_code == 201
    assert http.post(f"{desk.url}/api/sessions/{cid}/csat", json={"score": 5}, headers=auth).status_code == 409
    assert kinds(http, desk, cid, auth) == ["csat_request", "csat", "nps_request"]  # NPS follows the rating
    assert http.post(f"{desk.url}/api/sessions/{cid}/nps", json={"score": 11}, headers=auth).status_code == 422
    assert http.post(f"{desk.url}/api/sessions/{cid}/nps", json={"score": 9}, headers=auth).status_code == 201
    assert http.post(f"{desk.url}/api/sessions/{cid}/end", headers=auth).status_code == 204
    assert kinds(http, desk, cid, auth) == ["csat_request", "csat", "nps_request", "nps"]  # CSAT asked today already
    assert http.post(f"{desk.url}/api/sessions/{cid}/end", headers=auth).status_code == 409  # already ended

    again, again_auth = open_chat(http, desk.url, "C1001")
    assert http.post(f"{desk.url}/api/sessions/{again}/end", headers=again_auth).status_code == 204
    assert kinds(http, desk, again, again_auth) == []  # CSAT within 24 h, NPS within 90 days: not asked
    guest, guest_auth = open_chat(http, desk.url, None)
    assert http.post(f"{desk.url}/api/sessions/{guest}/end", headers=guest_auth).status_code == 204
    assert kinds(http, desk, guest, guest_auth) == ["csat_request"]  # a guest: CSAT per chat, never NPS

    figs = http.get(f"{desk.url}/api/insight/dashboard", headers=sue).json()["current"]
    assert figs["csat"]["by_context"]["handback"] == {"answers": 1, "mean": 4, "satisfied": 1.0}
    assert figs["nps"]["nps"] == 100.0
    assert figs["conversations"] == 3 and figs["escalation_reasons"] == {"explicit_request": 1}


def test_only_supervisors_see_the_dashboard_and_the_review_queue(desk: Desk, http: httpx.Client) -> None:
    ann = desk.agent(http, "ann", status=None)
    tom = desk.agent(http, "tom", status=None)
    for path in ("/api/insight/dashboard", "/api/insight/chats", "/api/insight/qa/queue"):
        assert http.get(desk.url + path).status_code == 401
        assert http.get(desk.url + path, headers=ann).status_code == 403
        assert http.get(desk.url + path, headers=tom).status_code == 403
    assert http.get(f"{desk.url}/api/insight/scorecards", headers=tom).status_code == 403
    sue = desk.agent(http, "sue", status=None)
    assert http.get(f"{desk.url}/api/insight/dashboard", params={"from": "2026-12-09", "to": "2026-12-01"}, headers=sue).status_code == 400
    assert http.get(f"{desk.url}/insight").status_code == 200


def test_a_low_rated_chat_is_reviewed_shown_to_its_agent_and_kept_in_the_case_library(desk: Desk, http: httpx.Client) -> None:
    ann = desk.agent(http, "ann", status=None)
    sue = desk.agent(http, "sue", status=None)
    cid, auth = served(http, desk, ann, "<b>尺码</b>偏小怎么换")
    assert http.post(f"{desk.url}/api/agent/conversations/{cid}/close", headers=ann).status_code == 200
    assert http.post(f"{desk.url}/api/sessions/{cid}/csat", json={"score": 1}, headers=auth).status_code == 201

    queue = http.get(f"{desk.url}/api/insight/qa/queue", headers=sue).json()["queue"]
    assert [(q["conversation_id"], q["sampled_for"][0], q["agent"]) for q in queue] == [(cid, "low_csat", "Ann")]
    bad = {"conversation_id": cid, "scores": {"greeting": 6}, "comment": ""}
    assert http.post(f"{desk.url}/api/insight/qa/reviews", json=bad, headers=sue).status_code == 400
    scores = {"greeting": 5, "empathy": 2, "accuracy": 4, "solution": 3, "closing": 5}
    body = {"conversation_id": cid, "scores": scores, "comment": "先共情", "sampled_for": ["low_csat"], "case_title": "换尺码"}
    assert http.post(f"{desk.url}/api/insight/qa/reviews", json=body, headers=ann).status_code == 403
    review = http.post(f"{desk.url}/api/insight/qa/reviews", json=body, headers=sue)
    assert review.status_code == 201 and review.json()["average"] == 3.8
    assert http.get(f"{desk.url}/api/insight/qa/queue", headers=sue).json()["queue"] == []

    mine = http.get(f"{desk.url}/api/insight/qa/reviews", headers=ann).json()["reviews"]
    assert [(r["conversation_id"], r["reviewer"], r["comment"]) for r in mine] == [(cid, "Sue", "先共情")]
    found = http.get(f"{desk.url}/api/insight/cases", params={"q": "偏小"}, headers=ann).json()["cases"]
    assert [c["title"] for c in found] == ["换尺码"]
    transcript = http.get(f"{desk.url}/api/insight/cases/{cid}", headers=ann).json()
    assert transcript["events"][0]["text"] == "<b>尺码</b>偏小怎么换"  # stored and served as text

    cards = http.get(f"{desk.url}/api/insight/scorecards", headers=sue).json()
    [card] = [c for c in cards["scorecards"] if c["name"] == "Ann"]
    assert card["components"]["resolution"]["value"] == 1.0 and card["components"]["satisfaction"]["value"] == 0.0
    assert card["components"]["conversion"]["weight"] == 0.25
    own = http.get(f"{desk.url}/api/insight/scorecards", headers=ann).json()["scorecards"]
    assert [c["name"] for c in own] == ["Ann"]

    drill = http.get(f"{desk.url}/api/insight/chats", params={"low_csat": "true"}, headers=sue).json()
    assert [c["conversation_id"] for c in drill["chats"]] == [cid] and drill["chats"][0]["csat"] == 1
