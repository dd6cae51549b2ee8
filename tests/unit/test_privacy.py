"""PIPL / GDPR requests and retention on SQLite and PostgreSQL: a real service records a customer's
chat (messages, escalation, claim, coupon, note, rating, thumbs-down), then `kefu privacy export`,
`delete` and `purge` run against its database, each audit-logged."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select, update
from typer.testing import CliRunner

from handoff_service.core import privacy
from handoff_service.core.db import make_engine, make_sessionmaker
from handoff_service.core.models import (
    AuditEntry,
    Conversation,
    CouponRequest,
    Csat,
    CustomerNote,
    Escalation,
    Event,
    RetrainRun,
    ReviewItem,
)
from kefu.cli import app
from kefu.privacy_cli import parse_period
from tests.conftest import wait_until
from tests.handoff_helpers import escalate, events, open_chat
from tests.unit.test_desk import Desk, start_desk

SAID = "我的手机号是13812345678，寄到北京市朝阳区建国路88号"


@pytest.fixture(params=["sqlite", "postgresql"])
def desk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Desk]:
    yield from start_desk(tmp_path, request.param, {"ann": {"languages": ["zh"]}})


@pytest.fixture
def kefu(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("KEFU_DATABASE_URL", desk.database_url)
    monkeypatch.setenv("KEFU_ENVIRONMENT", "development")
    return CliRunner()


def a_served_chat(desk: Desk, http: httpx.Client, customer_id: str) -> tuple[str, dict[str, str]]:
    """A chat of `customer_id` that went the whole way: asked, 👎, escalated, claimed, coupon, note,
    closed, rated."""
    ann = desk.agent(http, "ann", status=None)
    cid, auth = open_chat(http, desk.url, customer_id)
    assert http.post(f"{desk.url}/api/sessions/{cid}/messages", json={"text": SAID}, headers=auth).status_code == 202
    bot = wait_until(lambda: [e for e in events(http, desk.url, cid, auth) if e["sender"] == "bot"])[0]
    thumbs = http.post(f"{desk.url}/api/sessions/{cid}/events/{bot['seq']}/feedback", json={"helpful": False}, headers=auth)
    assert thumbs.json()["review_item_id"] is not None
    escalate(http, desk.url, cid)
    assert http.post(f"{desk.url}/api/agent/conversations/{cid}/claim", headers=ann).status_code == 200
    coupon = {"amount": 5, "reason": "late parcel, called 13812345678"}
    assert http.post(f"{desk.url}/api/agent/conversations/{cid}/coupon", json=coupon, headers=ann).status_code == 200
    note = http.post(f"{desk.url}/api/agent/customers/{customer_id}/notes", json={"text": "prefers phone 13812345678"}, headers=ann)
    assert note.status_code == 201
    assert http.post(f"{desk.url}/api/agent/conversations/{cid}/close", headers=ann).status_code == 200
    rated = http.post(f"{desk.url}/api/sessions/{cid}/csat", json={"score": 4, "comment": "谢谢，电话13812345678"}, headers=auth)
    assert rated.status_code == 201
    return cid, auth


def query(url: str, statement: Any, fetch: bool = True) -> list[Any]:  # noqa: ANN401 - rows of any kind
    async def run() -> list[Any]:
        engine = make_engine(url)
        try:
            async with make_sessionmaker(engine)() as session:
                result = await session.execute(statement)
                rows = list(result.all()) if fetch else []
                await session.commit()
                return rows
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_export_holds_everything_about_the_customer_then_delete_erases_them_and_nobody_else(
    desk: Desk, kefu: CliRunner, http: httpx.Client
):
    cid, auth = a_served_chat(desk, http, "C1001")
    other, other_auth = open_chat(http, desk.url, "C1002")
    http.post(f"{desk.url}/api/sessions/{other}/messages", json={"text": "什么时候发货"}, headers=other_auth)
    waiting, _ = open_chat(http, desk.url, "C1003")
    escalate(http, desk.url, waiting)

    exported = kefu.invoke(app, ["privacy", "export", "C1001", "--by", "dpo"])

    assert exported.exit_code == 0, exported.output
    data = json.loads(exported.stdout)
    assert data["customer_id"] == "C1001" and [c["id"] for c in data["conversations"]] == [cid]
    chat = data["conversations"][0]
    assert SAID in [e["text"] for e in chat["events"]]  # theirs: unmasked
    assert [r["text"] for r in chat["review_items"]] == [SAID]
    assert chat["rating"]["comment"] == "谢谢，电话13812345678" and chat["escalations"][0]["reason"] == "explicit_request"
    assert [n["text"] for n in data["notes"]] == ["prefers phone 13812345678"]
    assert data["coupons"][0]["amount"] == 5
    assert {"conversation.claimed", "coupon.requested", "conversation.closed"} <= {a["action"] for a in data["audit"]}
    logged = query(desk.database_url, select(AuditEntry.detail).where(AuditEntry.action == "privacy.export"))
    assert [row[0] for row in logged] == [{"by": "dpo", "customer_id": "C1001", "conversations": 1}]

    declined = kefu.invoke(app, ["privacy", "delete", "C1001"], input="n\n")
    live = kefu.invoke(app, ["privacy", "delete", "C1003", "--yes"])
    erased = kefu.invoke(app, ["privacy", "delete", "C1001", "--yes", "--by", "dpo"])

    assert declined.exit_code == 1 and "would change" in declined.output
    assert live.exit_code == 1 and "close them first" in live.output  # a chat with the desk is not erased under it
    assert query(desk.database_url, select(Conversation.customer_id).where(Conversation.id == waiting)) == [("C1003",)]
    assert erased.exit_code == 0, erased.output
    url = desk.database_url
    assert query(url, select(Conversation.id).where(Conversation.customer_id == "C1001")) == []
    assert query(url, select(Conversation.customer_id, Conversation.token_hash).where(Conversation.id == cid)) == [(None, "")]
    assert {row[0] for row in query(url, select(Event.text).where(Event.conversation_id == cid))} == {""}
    assert query(url, select(Escalation.packet).where(Escalation.conversation_id == cid)) == [({},)]
    assert query(url, select(Csat.score, Csat.comment).where(Csat.conversation_id == cid)) == [(4, "")]
    assert query(url, select(ReviewItem.id).where(ReviewItem.conversation_id == cid)) == []
    assert query(url, select(CustomerNote.id).where(CustomerNote.customer_id == "C1001")) == []
    assert query(url, select(CouponRequest.customer_id, CouponRequest.reason, CouponRequest.amount)) == [("erased", "", 5)]
    requested = query(url, select(AuditEntry.detail).where(AuditEntry.action == "coupon.requested"))
    assert "reason" not in requested[0][0] and requested[0][0]["amount"] == 5
    audit = query(url, select(AuditEntry.detail).where(AuditEntry.action == "privacy.delete"))
    assert audit[0][0]["by"] == "dpo" and audit[0][0]["counts"]["conversations"] == 1 and audit[0][0]["counts"]["notes"] == 1
    assert http.get(f"{desk.url}/api/sessions/{cid}/events", params={"wait": "false"}, headers=auth).status_code in (401, 403, 404)
    assert "什么时候发货" in [e["text"] for e in events(http, desk.url, other, other_auth)]  # C1002 untouched
    again = json.loads(kefu.invoke(app, ["privacy", "export", "C1001"]).stdout)
    assert again["conversations"] == [] and again["notes"] == [] and again["coupons"] == []


def test_purge_erases_what_is_past_retention_and_a_dry_run_changes_nothing(
    desk: Desk, kefu: CliRunner, http: httpx.Client, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(privacy, "PURGE_BATCH", 1)  # a batch per conversation: the loop is tried too
    old, _ = a_served_chat(desk, http, "C1001")
    guest, _ = open_chat(http, desk.url, None)
    recent, recent_auth = open_chat(http, desk.url, "C1002")
    http.post(f"{desk.url}/api/sessions/{recent}/messages", json={"text": "13912345678 还没发货"}, headers=recent_auth)
    wait_until(lambda: len(events(http, desk.url, recent, recent_auth)) >= 2)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=200)
    for table, column, key in (
        (Conversation, Conversation.created_at, Conversation.id), (Event, Event.created_at, Event.conversation_id),
        (ReviewItem, ReviewItem.created_at, ReviewItem.conversation_id), (Csat, Csat.created_at, Csat.conversation_id),
    ):  # fmt: skip
        query(desk.database_url, update(table).where(key.in_([old, guest])).values({column: long_ago}), fetch=False)
    report = {"inbox": [{"text": SAID, "expected": "ask_order_status", "outcome": "fixed"}]}
    query(desk.database_url, insert(RetrainRun).values(id="r-old", status="switched", started_at=long_ago, report=report), fetch=False)

    dry = kefu.invoke(app, ["privacy", "purge", "--older-than", "180d", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert query(desk.database_url, select(Conversation.customer_id).where(Conversation.id == old)) == [("C1001",)]
    result = kefu.invoke(app, ["privacy", "purge", "--older-than", "180d", "--by", "cron"])
    repeat = kefu.invoke(app, ["privacy", "purge", "--older-than", "180d"])

    assert result.exit_code == 0, result.output
    url = desk.database_url
    assert query(url, select(Conversation.customer_id, Conversation.callback_contact).where(Conversation.id == old)) == [(None, None)]
    assert {row[0] for row in query(url, select(Event.text).where(Event.conversation_id == old))} == {""}
    assert query(url, select(ReviewItem.id).where(ReviewItem.conversation_id == old)) == []
    assert query(url, select(Csat.comment).where(Csat.conversation_id == old)) == [("",)]
    assert query(url, select(RetrainRun.report))[0][0]["inbox"][0]["text"] == "[erased]"
    assert query(url, select(Conversation.customer_id).where(Conversation.id == recent)) == [("C1002",)]
    assert "13912345678 还没发货" in [row[0] for row in query(url, select(Event.text).where(Event.conversation_id == recent))]
    purges = [row[0] for row in query(url, select(AuditEntry.detail).where(AuditEntry.action == "privacy.purge"))]
    assert len(purges) == 2 and purges[0]["by"] == "cron" and purges[0]["counts"]["conversations"] == 2
    assert purges[1]["counts"]["conversations"] == 0  # nothing left to erase the second time
    assert repeat.exit_code == 0


def test_periods_are_read_in_days_weeks_or_hours():
    assert parse_period("180d") == dt.timedelta(days=180)
    assert parse_period("26w") == dt.timedelta(weeks=26)
    assert parse_period("48h") == dt.timedelta(hours=48)
    assert parse_period("30") == dt.timedelta(days=30)
    for bad in ("0d", "six months", "-5d", ""):
        with pytest.raises(Exception, match="180d"):
            parse_period(bad)
