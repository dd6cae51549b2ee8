"""The shopper's socket pushes the events this process just stored without reading them back,
and reads whenever something may be missing: every event reaches the shopper once, in order."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection

from handoff_service.app import create_app
from handoff_service.chat import transcript
from handoff_service.core import events
from handoff_service.core.db import make_engine, migrate
from handoff_service.core.events import StoredEvent
from handoff_service.core.hub import AGENTS, EventHub, conversation_channel, notify
from handoff_service.settings import Settings
from tests.conftest import ServerThread
from tests.handoff_helpers import (
    IDENTITY_SECRET,
    SECRET,
    FakeRasa,
    database,
    escalate,
    open_chat,
    socket_auth,
)
from tests.handoff_helpers import events as read_events


def stored(seq: int, chat: str = "c1") -> StoredEvent:
    return StoredEvent(seq, chat, "message", "bot", f"m{seq}", {}, None, dt.datetime.now(dt.UTC))


async def test_events_that_follow_the_cursor_are_taken_without_a_read() -> None:
    hub = EventHub()
    async with hub.subscribe(conversation_channel("c1")) as sub:
        assert sub.take_carried(0) is None  # a new subscription reads first
        notify(hub, "c1", carried=[(4, stored(5))])
        notify(hub, "c1", carried=[(5, stored(6)), (6, stored(7))])
        assert sub.stale
        assert [e.id for e in sub.take_carried(4) or []] == [5, 6, 7]
        assert not sub.stale and sub.take_carried(7) == []


async def test_a_gap_or_a_wake_up_without_events_means_a_read() -> None:
    hub = EventHub()
    async with hub.subscribe(conversation_channel("c1")) as sub:
        sub.take_carried(0)
        notify(hub, "c1", carried=[(6, stored(7))])  # event 6 was stored elsewhere
        assert sub.take_carried(5) is None
        notify(hub, "c1", carried=[(7, stored(8))])
        notify(hub, "c1")  # a state change stored without carrying it
        assert sub.take_carried(7) is None


async def test_wake_ups_delivered_out_of_order_still_follow_the_cursor() -> None:
    hub = EventHub()
    async with hub.subscribe(conversation_channel("c1")) as sub:
        sub.take_carried(0)
        notify(hub, "c1", carried=[(10, stored(11))])
        notify(hub, "c1", carried=[(9, stored(10))])
        assert [e.id for e in sub.take_carried(9) or []] == [10, 11]


async def test_only_the_chats_own_waiters_keep_its_events() -> None:
    hub = EventHub()
    async with hub.subscribe(AGENTS) as agents, hub.subscribe(conversation_channel("c2")) as other:
        other.take_carried(0)
        notify(hub, "c1", carried=[(1, stored(2))])
        notify(hub, "c2", carried=[(0, stored(3, "c2"))], agents=False)
        assert agents.stale and agents.carried == [] and agents.uncarried
        assert [e.id for e in other.take_carried(0) or []] == [3]  # its first event follows "nothing sent yet"


async def test_an_event_whose_predecessor_is_not_known_means_a_read() -> None:
    hub = EventHub()
    async with hub.subscribe(conversation_channel("c1")) as sub:
        sub.take_carried(0)
        notify(hub, "c1", carried=[(None, stored(7))])  # PostgreSQL: another transaction may hold 6
        assert sub.take_carried(5) is None


def append_in_turn(connection: Connection) -> list[tuple[str, int, int | None]]:
    """Two chats' events, stored alternately: (chat, id, the id `append` named as the one before)."""
    for chat in ("a", "b"):
        transcript.open_chat(connection, id=chat, token_hash=chat * 64, customer_id=None, lang="zh", state="bot")
    seen = []
    for n in range(3):
        for chat in ("a", "b"):
            event, owner, before = events.append(connection, chat, "message", "shopper", f"{chat}{n}")
            assert owner is not None and owner.state == "bot"
            seen.append((chat, event.id, before))
    connection.commit()
    return seen


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_an_appended_event_names_the_chat_event_before_it(kind: str, tmp_path: Path) -> None:
    async def run(url: str) -> list[tuple[str, int, int | None]]:
        engine = make_engine(url)
        try:
            await migrate(engine)
            return await transcript.run(engine, append_in_turn)
        finally:
            await engine.dispose()

    with database(kind, tmp_path) as url:
        seen = asyncio.run(run(url))
    for chat in ("a", "b"):
        ids = [(seq, before) for c, seq, before in seen if c == chat]
        if kind == "sqlite":
            assert [before for _, before in ids] == [0, ids[0][0], ids[1][0]]
        else:  # an earlier id may belong to a transaction not committed yet: never claimed
            assert [before for _, before in ids] == [None, None, None]


@pytest.fixture(params=["sqlite", "postgresql"])
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path) as url:
        settings = Settings(
            environment="development", database_url=url, handoff_secret=SECRET, identity_secret=IDENTITY_SECRET,
            auto_assign=False, demo_agent_username=None,
        )  # fmt: skip
        with ServerThread(create_app(settings, rasa_transport=httpx.MockTransport(FakeRasa().handler))) as server:
            yield server.url


def test_the_socket_sends_every_event_once_in_order_also_those_stored_between_turns(service: str, http: httpx.Client) -> None:
    from websockets.sync.client import connect

    cid, auth = open_chat(http, service)
    token = auth["Authorization"].split()[1]
    pushed: list[dict[str, Any]] = []

    def until(done: Any) -> None:  # noqa: ANN401 - a predicate on the events pushed so far
        while not done(pushed):
            frame = json.loads(ws.recv(timeout=10))
            if frame["type"] == "event":
                pushed.append(frame["event"])

    with connect(f"{service.replace('http', 'ws')}/ws/sessions/{cid}", subprotocols=socket_auth(token)) as ws:
        for n in range(3):  # answered turns: the shopper's message and the bot's answer come carried
            ws.send(json.dumps({"type": "message", "text": f"问题 {n}", "client_id": f"q{n}"}))
        until(lambda got: sum(e["sender"] == "bot" for e in got) == 3)
        # stored by another part of the service, with a wake-up that carries nothing: read
        assert escalate(http, service, cid, holding_message="稍等，正在为您转接人工客服")[0].status_code in (200, 201)
        until(lambda got: any(e["kind"] == "state" for e in got))
        ws.send(json.dumps({"type": "message", "text": "还在吗", "client_id": "q3"}))
        until(lambda got: any(e.get("client_id") == "q3" for e in got))
    in_table = read_events(http, service, cid, auth)
    seqs = [e["seq"] for e in pushed]
    assert seqs == sorted(set(seqs)), "an event was pushed twice or out of order"
    assert pushed == in_table[: len(pushed)], "what was pushed differs from what the table holds"


def test_the_carried_path_is_taken(
    service: str, http: httpx.Client, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """On SQLite a bot turn on the socket reads the events table once when the socket opens, then
    never; on PostgreSQL it reads on every wake-up, as before."""
    from websockets.sync.client import connect

    reads: list[int] = []
    read = transcript.events_after

    def counted(*args: Any, **kwargs: Any) -> list[StoredEvent]:  # noqa: ANN401
        reads.append(1)
        return read(*args, **kwargs)

    monkeypatch.setattr(transcript, "events_after", counted)
    cid, auth = open_chat(http, service)
    token = auth["Authorization"].split()[1]
    with connect(f"{service.replace('http', 'ws')}/ws/sessions/{cid}", subprotocols=socket_auth(token)) as ws:
        for n in range(2):
            ws.send(json.dumps({"type": "message", "text": f"问 {n}", "client_id": f"r{n}"}))
            while (frame := json.loads(ws.recv(timeout=10)))["type"] != "event" or frame["event"]["sender"] != "bot":
                pass
    if request.node.callspec.params["service"] == "sqlite":
        assert len(reads) == 1
    else:
        assert len(reads) >= 3
