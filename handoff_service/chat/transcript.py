"""The statements a shopper's chat makes on every turn (and once per chat), as Core statements
built once: open a chat, read it, append an event (learning in the same statement who owns the
chat), read the events after a cursor.

Through the ORM a turn's statements cost ≈ 650 µs of CPU each here, most of it building the
statement again and the unit of work; a prebuilt Core statement with bound parameters costs
≈ 220 µs on an async connection (SQLite, measured), and most of that is fixed cost per statement,
so storing the bot's answer reads who owns the chat in its RETURNING clause instead of in a SELECT
of its own. These functions take a plain (sync) `Connection`, and `run` carries out a whole
exchange with the database (check out, statements, commit, check in) in one greenlet, where each
async call would be a greenlet and a result wrapper of its own. They work on SQLite and PostgreSQL
alike; callers get `Conversation` objects and events with `Event`'s fields.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import (
    Connection,
    Insert,
    Integer,
    Select,
    Update,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff_service.core.events import Chat, StoredEvent
from handoff_service.core.models import Conversation, Event, utcnow

P = ParamSpec("P")
T = TypeVar("T")


@cache
def _events_after() -> Select[Any]:
    events = Event.__table__
    return (
        select(*(events.c[name] for name in StoredEvent._fields))
        .where(events.c.conversation_id == bindparam("conversation_id"), events.c.id > bindparam("after"))
        .order_by(events.c.id)
        .limit(bindparam("limit", type_=Integer))
    )


@cache
def _insert_chat() -> Insert:
    return insert(Conversation.__table__)


@cache
def _chat() -> Select[Any]:
    conversations = Conversation.__table__
    return select(conversations).where(conversations.c.id == bindparam("conversation_id"))


@cache
def _chat_state() -> Select[Any]:
    conversations = Conversation.__table__
    return select(conversations.c.state, conversations.c.lang, conversations.c.customer_id).where(
        conversations.c.id == bindparam("conversation_id")
    )


@cache
def _set_lang() -> Update:
    conversations = Conversation.__table__
    return (
        update(conversations)
        .where(conversations.c.id == bindparam("conversation_id"))
        .values(lang=bindparam("new_lang"))
    )


async def run(
    engine: AsyncEngine, work: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """`work(connection, *args, **kwargs)` on a connection from the pool: a whole exchange with the
    database (statements, commit) in one `run_sync`, one greenlet, instead of one per statement."""
    async with engine.connect() as connection:
        return await connection.run_sync(work, *args, **kwargs)


def open_chat(connection: Connection, **values: Any) -> Conversation:
    """Insert a conversation (defaults filled in here, so the object returned is whole)."""
    values = {"created_at": utcnow(), "sla_alerted": False, **values}
    connection.execute(_insert_chat(), values)
    return Conversation(**values)


def chat(connection: Connection, conversation_id: str) -> Conversation | None:
    """The whole conversation (a detached object), or None."""
    row = connection.execute(_chat(), {"conversation_id": conversation_id}).first()
    return None if row is None else Conversation(**row._mapping)


def events_after(connection: Connection, conversation_id: str, after: int, limit: int) -> list[StoredEvent]:
    """At most `limit` events of the chat after event `after`, oldest first."""
    rows = connection.execute(_events_after(), {"conversation_id": conversation_id, "after": after, "limit": limit})
    return [StoredEvent._make(row) for row in rows]


def chat_state(connection: Connection, conversation_id: str) -> Chat | None:
    row = connection.execute(_chat_state(), {"conversation_id": conversation_id}).first()
    return None if row is None else Chat(row.state, row.lang, row.customer_id)


def set_lang(connection: Connection, conversation_id: str, lang: str) -> None:
    connection.execute(_set_lang(), {"conversation_id": conversation_id, "new_lang": lang})


def ping(connection: Connection) -> None:
    connection.execute(select(1))


@cache
def _by_client_id() -> Select[Any]:
    events = Event.__table__
    return select(*(events.c[name] for name in StoredEvent._fields)).where(
        events.c.conversation_id == bindparam("conversation_id"), events.c.client_id == bindparam("client_id")
    )


def by_client_id(connection: Connection, conversation_id: str, client_id: str) -> StoredEvent | None:
    """The message stored under this client id: a retry gets the event its first try made."""
    row = connection.execute(_by_client_id(), {"conversation_id": conversation_id, "client_id": client_id}).first()
    return None if row is None else StoredEvent._make(row)
