"""A chat's events: the one way to append one (`append` on a connection, `record` in a session:
the same prebuilt statement), how every room shows and finds them, and the one check of a
message's text.

The insert reads who owns the chat in its RETURNING clause, so the shopper's turn learns it without
a SELECT of its own (SQLite ≥ 3.35 and PostgreSQL), and the id of the chat's event before it, so
the shopper's socket can push the new event without reading it back (`Appended.before`)."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    Insert,
    Integer,
    bindparam,
    insert,
    select,
    text,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession

from handoff_service.core.errors import BadRequest
from handoff_service.core.models import Conversation, Event, iso_utc, utcnow

MAX_TEXT = 2000


class StoredEvent(NamedTuple):
    """An event as a turn stores and reads it: `Event`'s fields without the ORM's bookkeeping
    (building an `Event` cost ≈ 20 µs here, four of them a turn)."""

    id: int
    conversation_id: str
    kind: str
    sender: str
    text: str
    payload: dict[str, Any]
    client_id: str | None
    created_at: dt.datetime


class Chat(NamedTuple):
    """What the turn needs to know of its conversation."""

    state: str
    lang: str
    customer_id: str | None


class Appended(NamedTuple):
    """An event just stored, the chat as it stands after the insert (None if there is no such
    chat), and the id of the chat's event before it (None for its first): a reader that has sent
    everything up to `before` may send `event` next without reading the table."""

    event: StoredEvent
    chat: Chat | None
    before: int | None  # 0: none before it; None: not known (PostgreSQL, see `append`)


@cache
def _insert_event() -> Insert:
    events, conversations = Event.__table__, Conversation.__table__

    def of_chat(column: Any) -> Any:
        return select(column).where(conversations.c.id == bindparam("chat")).scalar_subquery().label(column.name)

    # Written out: SQLAlchemy's SQLite compiler drops the table names inside RETURNING, which this
    # subquery needs (`events` is the inserted row, `earlier` the chat's other events). The chat as a
    # bound value lets SQLite search the index on (conversation_id, rowid) instead of every earlier row.
    before = type_coerce(
        text(
            "(SELECT coalesce(max(earlier.id), 0) FROM events AS earlier "
            "WHERE earlier.conversation_id = :chat AND earlier.id < events.id)"
        ),
        Integer,
    ).label("before")
    return insert(events).returning(
        events.c.id, of_chat(conversations.c.state), of_chat(conversations.c.lang), of_chat(conversations.c.customer_id),
        before,
    )  # fmt: skip


def _row(conversation_id: str, kind: str, sender: str, text: str, payload: dict[str, Any] | None, client_id: str | None) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "kind": kind,
        "sender": sender,
        "text": text,
        "payload": payload or {},
        "client_id": client_id,
        "created_at": utcnow(),
    }


def append(
    connection: Connection,
    conversation_id: str,
    kind: str,
    sender: str,
    text: str = "",
    payload: dict[str, Any] | None = None,
    client_id: str | None = None,
) -> Appended:
    """Insert one event now. A duplicate client id raises IntegrityError here, not at commit.

    The event before it is known for sure only on SQLite, where one writer at a time means every
    earlier event of the chat is committed. On PostgreSQL another transaction may hold an earlier id
    it has not committed yet, which the insert cannot see: `before` is None there."""
    values = _row(conversation_id, kind, sender, text, payload, client_id)
    row = connection.execute(_insert_event(), {**values, "chat": conversation_id}).one()
    chat = None if row.state is None else Chat(row.state, row.lang, row.customer_id)
    before = row.before if connection.dialect.name == "sqlite" else None
    return Appended(StoredEvent(id=row.id, **values), chat, before)


async def record(
    session: AsyncSession,
    conversation_id: str,
    kind: str,
    sender: str,
    text: str = "",
    payload: dict[str, Any] | None = None,
    client_id: str | None = None,
) -> StoredEvent:
    """`append` inside a session's transaction (the desk's and the lifecycle's writes)."""
    values = _row(conversation_id, kind, sender, text, payload, client_id)
    row = (await session.execute(_insert_event(), {**values, "chat": conversation_id})).one()
    return StoredEvent(id=row.id, **values)


def event_public(event: Any) -> dict[str, Any]:
    payload = event.payload or {}
    if "turn" in payload:  # how the bot understood the turn (the insight's topic) is not the shopper's
        payload = {k: v for k, v in payload.items() if k != "turn"}
    return {
        "seq": event.id,
        "conversation_id": event.conversation_id,
        "kind": event.kind,
        "sender": event.sender,
        "text": event.text,
        "payload": payload,
        "client_id": event.client_id,
        "created_at": iso_utc(event.created_at),
    }


# C0 controls but tab and line breaks, DEL, C1 controls, the bidi embeddings/overrides/isolates that
# make text read differently than it is stored, and lone surrogates (no database stores them).
CONTROL_CLASS = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[{CONTROL_CLASS}\ud800-\udfff]")


def control_character(text: str) -> str | None:
    """The first character no text of ours may hold, as U+XXXX, or None. NUL would end a
    PostgreSQL text, the others hide or reorder what an agent or a shopper reads."""
    found = _CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def clean_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise BadRequest("消息不能为空。The message text is empty.")
    if len(text) > MAX_TEXT:
        raise BadRequest(f"消息不能超过 {MAX_TEXT} 个字符。The message text is longer than {MAX_TEXT} characters.")
    if bad := control_character(text):
        raise BadRequest(f"消息含有不允许的控制字符 {bad}。The message contains a control character ({bad}).")
    return text


async def find_by_client_id(session: AsyncSession, conversation_id: str, client_id: str | None) -> Event | None:
    if not client_id:
        return None
    return await session.scalar(
        select(Event).where(Event.conversation_id == conversation_id, Event.client_id == client_id)
    )
