"""The relay's outbox: the `relays` rows that say which shopper messages the bot still owes an
answer, and the statements that add, claim, renew, finish and hand them back.

Why an outbox: a message is acknowledged once stored, and its relay to Rasa runs after. The row
is written in the same transaction as the message, so a process stopped between the two leaves
the relay due instead of lost. The replica that stored the message relays it at once, holding a
short lease it renews while the relay runs; any replica claims a relay whose lease ran out (its
holder died) with one UPDATE: `FOR UPDATE SKIP LOCKED` on PostgreSQL, and on SQLite the same
statement, which runs alone (SQLite has one writer at a time). An answer is stored only together
with the relay's move from due to answered, by its lease holder: a relay done twice (a lease that
ran out under a slow Rasa) cannot put two answers in the transcript.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    Delete,
    Insert,
    Integer,
    Select,
    Update,
    and_,
    bindparam,
    delete,
    insert,
    or_,
    select,
    update,
)

from handoff_service.core.models import Conversation, Event, Relay, utcnow

ANSWERED, QUEUED, FAILED = "answered", "queued", "failed"


class DueRelay(NamedTuple):
    """A claimed relay with what it takes to send it."""

    event_id: int
    conversation_id: str
    text: str
    lang: str
    customer_id: str | None
    state: str


@cache
def _insert() -> Insert:
    return insert(Relay.__table__)


@cache
def _claim() -> Update:
    relays = Relay.__table__
    now = bindparam("now")
    due = (
        select(relays.c.event_id)
        .where(
            relays.c.outcome.is_(None),
            relays.c.due_at <= now,
            or_(relays.c.lease_until.is_(None), relays.c.lease_until < now),
        )
        .order_by(relays.c.due_at, relays.c.event_id)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return (
        update(relays)
        .where(relays.c.event_id.in_(due), relays.c.outcome.is_(None))
        .values(lease_owner=bindparam("holder"), lease_until=bindparam("until"), attempts=relays.c.attempts + 1)
        .returning(relays.c.event_id)
    )


@cache
def _details() -> Select[Any]:
    events, conversations = Event.__table__, Conversation.__table__
    return (
        select(
            events.c.id, events.c.conversation_id, events.c.text, events.c.payload,
            conversations.c.lang, conversations.c.customer_id, conversations.c.state,
        )
        .join(conversations, conversations.c.id == events.c.conversation_id)
        .where(events.c.id.in_(bindparam("ids", expanding=True)))
        .order_by(events.c.id)
    )


@cache
def _renew() -> Update:
    relays = Relay.__table__
    return (
        update(relays)
        .where(
            relays.c.lease_owner == bindparam("holder"),
            relays.c.outcome.is_(None),
            relays.c.event_id.in_(bindparam("ids", expanding=True)),
        )
        .values(lease_until=bindparam("until"))
    )


@cache
def _finish() -> Update:
    relays = Relay.__table__
    return (
        update(relays)
        .where(
            relays.c.event_id == bindparam("relay"),
            relays.c.outcome.is_(None),
            relays.c.lease_owner == bindparam("holder"),
        )
        .values(outcome=bindparam("result"), reason=bindparam("why"), finished_at=bindparam("at"))
    )


@cache
def _hand_back() -> Update:
    relays = Relay.__table__
    return (
        update(relays)
        .where(and_(relays.c.lease_owner == bindparam("holder"), relays.c.outcome.is_(None)))
        .values(lease_owner=None, lease_until=None)
    )


@cache
def _purge() -> Delete:
    relays = Relay.__table__
    old = (
        select(relays.c.event_id)
        .where(relays.c.outcome.is_not(None), relays.c.finished_at < bindparam("before"))
        .order_by(relays.c.event_id)
        .limit(bindparam("batch", type_=Integer))
        .scalar_subquery()
    )
    return delete(relays).where(relays.c.event_id.in_(old), relays.c.outcome.is_not(None))


def add(connection: Connection, event_id: int, conversation_id: str, owner: str | None, lease_seconds: float) -> None:
    """Record a message as due to relay; `owner` holds it for `lease_seconds` (None: due to anyone now)."""
    now = utcnow()
    connection.execute(
        _insert(),
        {
            "event_id": event_id, "conversation_id": conversation_id, "due_at": now, "attempts": 1 if owner else 0,
            "lease_owner": owner, "lease_until": now + dt.timedelta(seconds=lease_seconds) if owner else None,
        },
    )  # fmt: skip


def claim(connection: Connection, owner: str, lease_seconds: float, limit: int) -> list[DueRelay]:
    """Take up to `limit` due relays for `owner` (committed), oldest first."""
    now = utcnow()
    until = now + dt.timedelta(seconds=lease_seconds)
    ids = list(connection.execute(_claim(), {"now": now, "holder": owner, "until": until, "limit": limit}).scalars())
    connection.commit()
    if not ids:
        return []
    return [
        DueRelay(row.id, row.conversation_id, row.text, (row.payload or {}).get("lang") or row.lang, row.customer_id, row.state)
        for row in connection.execute(_details(), {"ids": ids})
    ]


def renew(connection: Connection, owner: str, event_ids: list[int], lease_seconds: float) -> None:
    """Keep holding the relays still running here (committed)."""
    if event_ids:
        until = utcnow() + dt.timedelta(seconds=lease_seconds)
        connection.execute(_renew(), {"holder": owner, "ids": event_ids, "until": until})
        connection.commit()


def finish(connection: Connection, event_id: int, owner: str, outcome: str, reason: str | None = None) -> bool:
    """Record the relay's outcome in the caller's transaction; False if `owner` no longer holds it
    (another replica took it over, or finished it): the caller then rolls back what it wrote."""
    values = {"relay": event_id, "holder": owner, "result": outcome, "why": reason, "at": utcnow()}
    return connection.execute(_finish(), values).rowcount == 1


def hand_back(connection: Connection, owner: str) -> int:
    """Give up every relay `owner` holds, due to any replica at once (committed); how many."""
    handed = connection.execute(_hand_back(), {"holder": owner}).rowcount
    connection.commit()
    return handed


def purge(connection: Connection, before: dt.datetime, batch: int) -> int:
    """Delete up to `batch` delivered relays (any outcome) that finished before `before`
    (committed); how many. Due relays are never touched. Oldest first, in short transactions, so
    the replicas' claims never wait long behind it."""
    deleted = connection.execute(_purge(), {"before": before, "batch": batch}).rowcount
    connection.commit()
    return deleted
