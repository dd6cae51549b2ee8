"""A database out of reach for a moment (issue #15): a real PostgreSQL behind a TCP proxy the
test cuts and restores (the machine's server is never touched). Requests get 503 with
Retry-After and a zh/en message instead of 500, and work again once it is back; a shopper's
socket whose pushes fail is not left open and silent."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import TimeoutError as PoolTimeout
from websockets.sync.client import connect

from handoff_service.app import create_app
from handoff_service.core.db import make_engine
from handoff_service.core.hub import Subscription
from tests.conftest import ServerThread, wait_until
from tests.handoff_helpers import (
    FakeRasa,
    database,
    events,
    open_chat,
    postgres_database,
    socket_auth,
)
from tests.tcp_proxy import TcpProxy
from tests.unit.test_relay_outbox import settings_for


@pytest.fixture
def reads_every_push(monkeypatch: pytest.MonkeyPatch) -> None:
    """The socket reads the chat's events on every wake-up, as on PostgreSQL: on SQLite the events
    this process just stored ride with the wake-up instead (core/hub.py), and the seam is the read."""
    monkeypatch.setattr(Subscription, "take_carried", lambda self, cursor: None)


@pytest.fixture
def proxied_postgres() -> Iterator[tuple[str, TcpProxy]]:
    """A fresh database on the local PostgreSQL, reached through a proxy the test controls."""
    with postgres_database() as url, TcpProxy(5432) as proxy:
        yield url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"), proxy


def test_requests_get_503_with_retry_after_while_postgresql_is_out_of_reach(
    proxied_postgres: tuple[str, TcpProxy], http: httpx.Client
) -> None:
    url, proxy = proxied_postgres
    rasa = FakeRasa()
    with ServerThread(create_app(settings_for(url), rasa_transport=httpx.MockTransport(rasa.handler))) as server:
        cid, auth = open_chat(http, server.url)
        assert http.post(f"{server.url}/api/sessions/{cid}/messages", json={"text": "你好"}, headers=auth).status_code == 202

        token = auth["Authorization"].split(" ", 1)[1]
        socket = connect(f"ws://127.0.0.1:{server.port}/ws/sessions/{cid}", subprotocols=socket_auth(token), open_timeout=10)
        wait_until(lambda: len([e for e in events(http, server.url, cid, auth) if e["sender"] == "bot"]) == 1, timeout=10)

        proxy.cut()
        with socket:  # a message frame is answered with an error frame the widget can retry on, not a dropped socket
            socket.send(json.dumps({"type": "message", "text": "frame while down", "client_id": "c-frame"}))
            frames = iter(lambda: json.loads(socket.recv(timeout=10)), None)
            error = next(f for f in frames if f.get("type") == "error")
            assert error["error"] == "unavailable" and error["client_id"] == "c-frame" and error["retry_after"] == 2
        message = {"text": "还在吗", "client_id": "c-outage-1"}
        refused = [
            http.post(f"{server.url}/api/sessions/{cid}/messages", json=message, headers=auth),
            http.post(f"{server.url}/api/sessions", json={"lang": "en"}),
            http.get(f"{server.url}/api/sessions/{cid}/events", params={"wait": "false"}, headers=auth),
        ]
        for response in refused:
            assert response.status_code == 503, response.text
            assert response.headers["Retry-After"] == "2"
            body = response.json()
            assert body["error"] == "unavailable" and body["retry_after"] == 2
            assert "请 2 秒后再试" in body["message"] and "try again in 2 s" in body["message"]

        proxy.restore()
        # The widget sends the same message again with its client id: stored once.
        again = wait_until(
            lambda: (r := http.post(f"{server.url}/api/sessions/{cid}/messages", json=message, headers=auth)).status_code == 202 and r,
            timeout=15,
        )
        assert again.json()["event"]["text"] == "还在吗"
        shopper = [e for e in events(http, server.url, cid, auth) if e["sender"] == "shopper"]
        assert [e["text"] for e in shopper] == ["你好", "还在吗"]
        wait_until(lambda: len([e for e in events(http, server.url, cid, auth) if e["sender"] == "bot"]) == 2, timeout=15)


@pytest.mark.usefixtures("reads_every_push")
def test_a_socket_whose_pushes_fail_recovers_instead_of_falling_silent(tmp_path: Path, http: httpx.Client) -> None:
    """The pool runs dry (the seam: reading the chat's events raises the pool's timeout) while a
    shopper's socket waits for answers: the pushes are retried and the answer still arrives."""
    rasa = FakeRasa()
    with database("sqlite", tmp_path) as url:
        app = create_app(settings_for(url), rasa_transport=httpx.MockTransport(rasa.handler))
        with ServerThread(app) as server:
            cid, auth = open_chat(http, server.url)
            token = auth["Authorization"].split(" ", 1)[1]
            service = app.state.conversations
            real, failures = service.events_after, {"left": 3}

            async def dry_pool(conversation_id: str, after: int) -> Any:
                if failures["left"] > 0:
                    failures["left"] -= 1
                    raise PoolTimeout("QueuePool limit of size 5 overflow 10 reached, connection timed out")
                return await real(conversation_id, after)

            ws_url = f"ws://127.0.0.1:{server.port}/ws/sessions/{cid}"
            with connect(ws_url, subprotocols=socket_auth(token), open_timeout=10) as socket:
                service.events_after = dry_pool
                socket.send(json.dumps({"type": "message", "text": "你好", "client_id": "c1"}))
                seen: list[dict[str, Any]] = []
                deadline = time.monotonic() + 15
                while not any(f.get("type") == "event" and f["event"]["sender"] == "bot" for f in seen):
                    assert time.monotonic() < deadline, seen
                    seen.append(json.loads(socket.recv(timeout=deadline - time.monotonic())))
                assert failures["left"] == 0  # every injected failure was met and got past
                texts = [f["event"]["text"] for f in seen if f.get("type") == "event"]
                assert texts.count("你好") == 1 and texts.count("bot: 你好") == 1


@pytest.mark.usefixtures("reads_every_push")
def test_a_socket_whose_pushes_keep_failing_is_closed_with_a_code_the_widget_reconnects_on(tmp_path: Path) -> None:
    """Past its retries the socket is closed with 1013 (try again later): the widget reconnects
    (it drops the chat only on 4403) and reads what it missed after its last seq."""
    rasa = FakeRasa()
    with database("sqlite", tmp_path) as url:
        app = create_app(settings_for(url, socket_push_retries=2), rasa_transport=httpx.MockTransport(rasa.handler))
        with ServerThread(app) as server, httpx.Client() as http:
            cid, auth = open_chat(http, server.url)
            token = auth["Authorization"].split(" ", 1)[1]
            service = app.state.conversations

            async def dry_pool(conversation_id: str, after: int) -> Any:
                raise PoolTimeout("QueuePool limit of size 5 overflow 10 reached, connection timed out")

            service.events_after = dry_pool
            with connect(f"ws://127.0.0.1:{server.port}/ws/sessions/{cid}", subprotocols=socket_auth(token), open_timeout=10) as socket:
                with pytest.raises(Exception) as closed:
                    while True:
                        socket.recv(timeout=15)
                assert getattr(closed.value, "rcvd", None) is not None and closed.value.rcvd.code == 1013, closed.value


def test_the_postgresql_pool_is_sized_by_the_settings() -> None:
    """SQLAlchemy's 5 + 10 connections ran dry under the fault suite's 100 shoppers (issue #15)."""
    settings = settings_for("postgresql://postgres@127.0.0.1:5432/test")
    engine = make_engine(settings.database_url, settings.database_pool_size, settings.database_max_overflow)
    assert (engine.pool.size(), engine.pool._max_overflow) == (10, 10)  # type: ignore[attr-defined]
    default = make_engine(settings.database_url)
    assert (default.pool.size(), default.pool._max_overflow) == (5, 10)  # type: ignore[attr-defined]
