"""Promised callbacks (#19) over real HTTP and a real SQLite database: the shopper sees the promise,
it is in the agent's and supervisors' lists, the sweeper reminds the agent before it is due (over
the agent socket) and escalates once it is late (audit log, supervisors' socket)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import create_engine, text
from websockets.sync.client import connect

from handoff_service.app import create_app
from handoff_service.settings import Settings
from tests.conftest import ServerThread
from tests.handoff_helpers import (
    IDENTITY_SECRET,
    SECRET,
    FakeRasa,
    add_agent,
    escalate,
    events,
    login,
    open_chat,
    socket_auth,
)


@dataclass
class Desk:
    url: str
    db: str
    ann: dict[str, str]
    sue: dict[str, str]


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    tmp = tmp_path_factory.mktemp("promises")
    url = f"sqlite+aiosqlite:///{tmp / 'h.db'}"
    add_agent(url, "ann", max_concurrent=20)
    add_agent(url, "sue", role="supervisor")
    settings = Settings(
        environment="development", database_url=url, handoff_secret=SECRET, identity_secret=IDENTITY_SECRET,
        auto_assign=False, demo_agent_username=None, store_path=tmp / "store.db", sweep_interval_seconds=0.2,
    )  # fmt: skip
    with ServerThread(create_app(settings, rasa_transport=httpx.MockTransport(FakeRasa().handler))) as server, httpx.Client(timeout=30) as http:
        yield Desk(server.url, str(tmp / "h.db"), login(http, server.url, "ann", "password-123"), login(http, server.url, "sue", "password-123"))


def frames_until(ws, kind: str) -> dict:  # noqa: ANN001 - a websockets client connection
    for _ in range(50):
        frame = json.loads(ws.recv(timeout=10))
        if frame.get("type") == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


def test_a_promise_is_shown_listed_reminded_escalated_and_kept(desk: Desk, http: httpx.Client):
    cid, auth = open_chat(http, desk.url)
    escalate(http, desk.url, cid)
    assert http.post(f"{desk.url}/api/agent/conversations/{cid}/claim", headers=desk.ann).status_code == 200
    ws_url = desk.url.replace("http", "ws") + "/ws/agent"
    with connect(ws_url, subprotocols=socket_auth(desk.ann["Authorization"][7:])) as ann_socket, \
            connect(ws_url, subprotocols=socket_auth(desk.sue["Authorization"][7:])) as sue_socket:
        # ten minutes ahead, shown to the shopper in the store's time (Asia/Shanghai)
        due = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)).replace(microsecond=0)
        made = http.post(f"{desk.url}/api/agent/conversations/{cid}/promises", json={"due_at": due.isoformat(), "note": "查仓库库存后回电"},
                         headers=desk.ann)
        assert made.status_code == 201, made.text
        promise = made.json()
        local = due.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%m-%d %H:%M")
        assert promise["due_local"] == local and not promise["overdue"]

        # the shopper reads the promise in the thread (the agent's note stays with the desk)
        shown = next(e for e in events(http, desk.url, cid, auth) if e["payload"].get("card", {}).get("type") == "promise")
        assert f"{local} 前一定给您答复" in shown["text"] and "库存" not in json.dumps(shown, ensure_ascii=False)

        # due within 15 minutes: the agent is reminded, once
        reminder = frames_until(ann_socket, "promise_due")
        assert reminder["promise_id"] == promise["id"] and reminder["note"] == "查仓库库存后回电"
        mine = http.get(f"{desk.url}/api/agent/promises", headers=desk.ann).json()["promises"]
        assert [p["id"] for p in mine] == [promise["id"]]
        assert http.get(f"{desk.url}/api/agent/promises", params={"everyone": "true"}, headers=desk.ann).status_code == 403
        everyone = http.get(f"{desk.url}/api/agent/promises", params={"everyone": "true"}, headers=desk.sue).json()["promises"]
        assert everyone[0]["agent_name"] == "Ann"

        # the time passes with no callback: the supervisors are alerted and it is audit-logged
        with create_engine(f"sqlite:///{desk.db}").begin() as db:
            db.execute(text("UPDATE callback_promises SET due_at = :past WHERE id = :id"),
                       {"past": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1), "id": promise["id"]})
        overdue = frames_until(sue_socket, "promise_overdue")
        assert overdue["promise_id"] == promise["id"]
        audit = http.get(f"{desk.url}/api/agent/audit", params={"conversation_id": cid}, headers=desk.sue).json()["entries"]
        assert "promise.overdue" in [e["action"] for e in audit]
        assert http.get(f"{desk.url}/api/agent/promises", headers=desk.ann).json()["promises"][0]["overdue"]

    kept = http.post(f"{desk.url}/api/agent/promises/{promise['id']}/kept", headers=desk.ann).json()
    assert kept["status"] == "kept"
    assert http.get(f"{desk.url}/api/agent/promises", headers=desk.ann).json()["promises"] == []


def test_a_promise_in_the_past_or_too_far_ahead_is_refused_in_both_languages(desk: Desk, http: httpx.Client):
    cid, _ = open_chat(http, desk.url)
    escalate(http, desk.url, cid)
    http.post(f"{desk.url}/api/agent/conversations/{cid}/claim", headers=desk.ann)
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    refused = http.post(f"{desk.url}/api/agent/conversations/{cid}/promises", json={"due_at": past}, headers=desk.ann)
    assert refused.status_code == 400 and "将来" in refused.json()["message"] and "future" in refused.json()["message"]
    far = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    assert http.post(f"{desk.url}/api/agent/conversations/{cid}/promises", json={"due_at": far}, headers=desk.ann).status_code == 400
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).isoformat()
    assert http.post(f"{desk.url}/api/agent/conversations/{cid}/promises", json={"due_at": soon}, headers=desk.sue).status_code == 403


# --- the reply library (#19), on the same running service ----------------------------------------


def test_tone_is_suggested_from_how_the_shopper_writes():
    from handoff_service.desk.replies import suggest_tone

    assert suggest_tone(["亲，这个有货吗~", "好哒谢谢啦！！"])["tone"] == "warm"
    assert suggest_tone(["您好，请问贵店能开具增值税专用发票吗？"])["tone"] == "professional"
    assert suggest_tone(["Could you please send the invoice? Kind regards"])["tone"] == "professional"
    assert suggest_tone(["到哪了", "单号"])["tone"] == "brief"
    assert suggest_tone([])["tone"] == "professional"


def test_the_library_is_searched_filled_for_the_chat_in_the_suggested_tone(desk: Desk, http: httpx.Client):
    cid, auth = open_chat(http, desk.url)
    escalate(http, desk.url, cid)
    http.post(f"{desk.url}/api/agent/conversations/{cid}/claim", headers=desk.ann)
    http.post(f"{desk.url}/api/sessions/{cid}/messages", json={"text": "亲，我的羽绒服到哪啦~ 好着急呀！"}, headers=auth)
    found = http.get(f"{desk.url}/api/agent/conversations/{cid}/replies", params={"q": "问候"}, headers=desk.ann).json()
    assert found["suggested_tone"]["tone"] == "warm" and found["tone"] == "warm"
    assert [r["tone"] for r in found["replies"]] == ["warm"]
    assert found["replies"][0]["text"].startswith("亲爱的林晓雨您好呀~ 我是Ann")
    # the latest order is paid and has no tracking yet: the order-status reply cannot be filled, so it is not offered
    unfilled = http.get(f"{desk.url}/api/agent/conversations/{cid}/replies", params={"q": "订单进度"}, headers=desk.ann).json()
    assert unfilled["replies"] == []
    brief = http.get(f"{desk.url}/api/agent/conversations/{cid}/replies", params={"q": "问候", "tone": "brief"}, headers=desk.ann).json()
    assert brief["replies"][0]["text"] == "您好，Ann为您服务。"
    bad = http.get(f"{desk.url}/api/agent/conversations/{cid}/replies", params={"tone": "sarcastic"}, headers=desk.ann)
    assert bad.status_code == 400


def test_supervisors_create_edit_and_archive_replies(desk: Desk, http: httpx.Client):
    body = {"title": "尺码建议 Size", "tone": "professional", "zh": "{name}您好，建议您选择常穿尺码。", "en": "Hello {name}, take your usual size.",
            "tags": ["尺码"]}
    assert http.post(f"{desk.url}/api/agent/replies", json=body, headers=desk.ann).status_code == 403  # agents use, supervisors manage
    created = http.post(f"{desk.url}/api/agent/replies", json=body, headers=desk.sue)
    assert created.status_code == 201, created.text
    reply_id = created.json()["id"]
    edited = http.put(f"{desk.url}/api/agent/replies/{reply_id}", json={**body, "zh": "{name}您好，建议选大一码。"}, headers=desk.sue)
    assert edited.json()["zh"] == "{name}您好，建议选大一码。"
    broken = http.put(f"{desk.url}/api/agent/replies/{reply_id}", json={**body, "zh": "您好 {nmae}"}, headers=desk.sue)
    assert broken.status_code == 400 and "占位符" in broken.json()["message"]
    cid, _ = open_chat(http, desk.url)
    escalate(http, desk.url, cid)
    http.post(f"{desk.url}/api/agent/conversations/{cid}/claim", headers=desk.ann)
    search = {"q": "尺码", "tone": "professional"}
    texts = [r["text"] for r in http.get(f"{desk.url}/api/agent/conversations/{cid}/replies", params=search, headers=desk.ann).json()["replies"]]
    assert "林晓雨您好，建议选大一码。" in texts
    http.post(f"{desk.url}/api/agent/replies/{reply_id}/archive", json={"archived": True}, headers=desk.sue)
    texts = [r["text"] for r in http.get(f"{desk.url}/api/agent/conversations/{cid}/replies", params=search, headers=desk.ann).json()["replies"]]
    assert "林晓雨您好，建议选大一码。" not in texts
    listed = http.get(f"{desk.url}/api/agent/replies", headers=desk.sue).json()["replies"]
    assert any(r["id"] == reply_id and r["archived"] for r in listed) and len(listed) >= 16
