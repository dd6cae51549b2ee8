"""Reading the record a period's figures are computed from: chats, their messages and moves
(events), ratings, returns started. Core statements on a plain connection, the same on SQLite and
PostgreSQL (JSON fields read with SQLAlchemy's portable JSON paths); no figure is kept in memory.

Rows are read per chat in event order so one pass (metrics.py) can follow each chat's story."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    String,
    Text,
    and_,
    case,
    cast,
    or_,
    select,
    type_coerce,
)

from handoff_service.core.models import AuditEntry, Conversation, Csat, Event, Survey

DEMO_TOKEN = "demo"  # the token hash of seeded demo chats (no real hash is this short): never mixed silently


class ChatRow(NamedTuple):
    id: str
    customer_id: str | None
    lang: str
    state: str
    created_at: dt.datetime
    demo: bool


class EventRow(NamedTuple):
    conversation_id: str
    kind: str
    sender: str
    created_at: dt.datetime
    state: str | None
    reason: str | None
    agent_id: Any
    how: str | None
    outcome: str | None
    intent: str | None
    kb_entry: str | None


class Rating(NamedTuple):
    conversation_id: str
    kind: str  # csat | nps
    context: str  # agent | handback | bot_end | nps
    agent_id: int | None
    score: int
    created_at: dt.datetime


def chats(connection: Connection, start: dt.datetime, end: dt.datetime) -> list[ChatRow]:
    c = Conversation.__table__.c
    rows = connection.execute(
        select(c.id, c.customer_id, c.lang, c.state, c.created_at, (c.token_hash == DEMO_TOKEN).label("demo"))
        .where(c.created_at >= start, c.created_at < end)
        .order_by(c.created_at)
    )
    return [ChatRow(*row) for row in rows]


def events(connection: Connection, start: dt.datetime, end: dt.datetime, topic_only: bool = False) -> list[EventRow]:
    """The messages and moves of the chats begun in [start, end), per chat in order.

    The payload comes as its JSON text, and only for moves and the bot's answers (the rest never
    needs it): reading seven JSON paths per row in SQL cost three times as much on SQLite.
    `topic_only`: just the moves and the bot's answers, all a chat's topic is decided from (the
    chats after a period, read only to find repeat contacts: most rows are the other messages)."""
    e, c = Event.__table__.c, Conversation.__table__.c
    wanted = or_(e.kind == "state", e.sender == "bot")
    # SQLite keeps times as text, which SQLAlchemy parses with a regular expression: half the
    # Python time of this read; datetime.fromisoformat (C) reads the same text (naive UTC, as before).
    on_sqlite = connection.dialect.name == "sqlite"
    query = (
        select(
            e.conversation_id, e.kind, e.sender, type_coerce(e.created_at, String) if on_sqlite else e.created_at,
            case((wanted, cast(e.payload, Text)), else_=None),
        )
        .join(Conversation.__table__, c.id == e.conversation_id)
        .where(c.created_at >= start, c.created_at < end, wanted if topic_only else e.kind.in_(("message", "state")))
        .order_by(e.conversation_id, e.id)
    )
    out = []
    loads = json.loads
    parse = dt.datetime.fromisoformat
    for cid, kind, sender, at, raw in connection.execute(query).all():
        if on_sqlite:
            at = parse(at)
        if raw is None:
            out.append(EventRow(cid, kind, sender, at, None, None, None, None, None, None, None))
            continue
        p = loads(raw) or {}
        turn = p.get("turn") or {}
        out.append(EventRow(
            cid, kind, sender, at, p.get("state"), p.get("reason"), p.get("agent_id"), p.get("how"), p.get("outcome"),
            turn.get("intent"), turn.get("kb_entry"),
        ))  # fmt: skip
    return out


def ratings(connection: Connection, start: dt.datetime, end: dt.datetime) -> list[Rating]:
    """Every rating of the chats begun in [start, end): the agent's CSAT and the surveys."""
    c, r, s = Conversation.__table__.c, Csat.__table__.c, Survey.__table__.c
    in_period = and_(c.created_at >= start, c.created_at < end)
    agent = connection.execute(
        select(r.conversation_id, r.agent_id, r.score, r.created_at).join(Conversation.__table__, c.id == r.conversation_id).where(in_period)
    )
    surveys = connection.execute(
        select(s.conversation_id, s.kind, s.context, s.agent_id, s.score, s.created_at)
        .join(Conversation.__table__, c.id == s.conversation_id)
        .where(in_period)
    )
    out = [Rating(cid, "csat", "agent", agent_id, score, at) for cid, agent_id, score, at in agent]
    out.extend(Rating(*row) for row in surveys)
    return out


def returns(connection: Connection, start: dt.datetime, end: dt.datetime) -> list[tuple[str, str]]:
    """(chat, kind) of each return or exchange an agent started in the chats begun in [start, end)."""
    a, c = AuditEntry.__table__.c, Conversation.__table__.c
    rows = connection.execute(
        select(a.conversation_id, a.action)
        .join(Conversation.__table__, c.id == a.conversation_id)
        .where(c.created_at >= start, c.created_at < end, a.action.like("return.%.started"))
    )
    return [(cid, action.split(".")[1]) for cid, action in rows]


def by_chat(rows: Iterable[EventRow]) -> dict[str, list[EventRow]]:
    grouped: dict[str, list[EventRow]] = {}
    for row in rows:
        grouped.setdefault(row.conversation_id, []).append(row)
    return grouped
