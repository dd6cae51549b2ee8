"""Staff sessions over a real server and real WebSockets: logging out ends the token and its open
console; `kefu agents disable` closes that agent's console at once (over Redis, from another
process) or at the next session check (no Redis); an expired session's socket is closed; tokens
never travel in a URL, and one put there anyway never reaches the access log."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update
from typer.testing import CliRunner
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from handoff_service.app import create_app
from handoff_service.core.db import make_engine, make_sessionmaker
from handoff_service.core.models import AgentSession
from handoff_service.settings import Settings
from kefu.agents_cli import app as agents_cli
from tests.conftest import ServerThread
from tests.handoff_helpers import IDENTITY_SECRET, REDIS_URL, SECRET, FakeRasa, add_agent, login, open_chat, socket_auth

PASSWORD = "password-123"


@dataclass
class Desk:
    url: str
    database_url: str

    @property
    def ws(self) -> str:
        return self.url.replace("http", "ws", 1)


def settings(database_url: str, tmp_path: Path, **overrides: object) -> Settings:
    return Settings(
        environment="development", database_url=database_url, handoff_secret=SECRET, identity_secret=IDENTITY_SECRET,
        demo_agent_username=None, auto_assign=False, store_path=tmp_path / "store.db", **overrides,
    )  # fmt: skip


@pytest.fixture
def desk(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Desk]:
    """`@pytest.mark.parametrize("desk", [{…settings…}], indirect=True)` to change settings."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"
    add_agent(url, "ann")
    app = create_app(settings(url, tmp_path, **getattr(request, "param", {})), httpx.MockTransport(FakeRasa().handler))
    with ServerThread(app) as server:
        yield Desk(server.url, url)


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].split()[1]


def closed_with(ws: ClientConnection, timeout: float) -> int | None:
    """The close code the server ended the socket with, reading (and dropping) frames until then."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ws.recv(timeout=max(0.01, deadline - time.monotonic()))
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    except TimeoutError:
        return None
    return None


def test_logout_ends_the_session_and_closes_its_console(desk: Desk, http: httpx.Client) -> None:
    ann = login(http, desk.url, "ann", PASSWORD)
    other = login(http, desk.url, "ann", PASSWORD)  # another tab stays signed in
    with connect(f"{desk.ws}/ws/agent", subprotocols=socket_auth(token_of(ann))) as ws:
        assert ws.subprotocol == "kefu"
        assert http.post(f"{desk.url}/api/agent/logout", headers=ann).status_code == 204
        started = time.monotonic()
        assert closed_with(ws, timeout=4) == 4401
        assert time.monotonic() - started < 3.5  # at once (a hub signal), not at the 5 s check

    assert http.get(f"{desk.url}/api/agent/me", headers=ann).status_code == 401
    assert http.post(f"{desk.url}/api/agent/logout", headers=ann).status_code == 401
    assert http.get(f"{desk.url}/api/agent/me", headers=other).status_code == 200


@pytest.mark.parametrize("desk", [{"socket_check_seconds": 0.3}], indirect=True)
def test_an_expired_session_s_socket_is_closed(desk: Desk, http: httpx.Client) -> None:
    ann = login(http, desk.url, "ann", PASSWORD)
    with connect(f"{desk.ws}/ws/agent", subprotocols=socket_auth(token_of(ann))) as ws:
        assert closed_with(ws, timeout=0.6) is None  # a live session stays open across checks

        async def expire_now() -> None:
            engine = make_engine(desk.database_url)
            async with make_sessionmaker(engine)() as session:
                await session.execute(update(AgentSession).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
                await session.commit()
            await engine.dispose()

        asyncio.run(expire_now())
        assert closed_with(ws, timeout=3) == 4401


@pytest.mark.parametrize("desk", [{"socket_check_seconds": 0.3}], indirect=True)
def test_kefu_agents_disable_closes_the_agent_s_console_without_redis_at_the_next_check(
    desk: Desk, http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = login(http, desk.url, "ann", PASSWORD)
    with connect(f"{desk.ws}/ws/agent", subprotocols=socket_auth(token_of(ann))) as ws:
        monkeypatch.setenv("KEFU_DATABASE_URL", desk.database_url)
        monkeypatch.delenv("KEFU_REDIS_URL", raising=False)
        result = CliRunner().invoke(agents_cli, ["disable", "ann"])
        assert result.exit_code == 0, result.output
        assert closed_with(ws, timeout=3) == 4401
    assert http.get(f"{desk.url}/api/agent/queue", headers=ann).status_code == 401


def test_kefu_agents_disable_closes_the_agent_s_console_at_once_over_redis(
    tmp_path: Path, http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command runs in another process than the service: it tells every replica over Redis."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"
    add_agent(url, "ann")
    app = create_app(settings(url, tmp_path, redis_url=REDIS_URL), httpx.MockTransport(FakeRasa().handler))
    with ServerThread(app) as server:
        ann = login(http, server.url, "ann", PASSWORD)
        with connect(f"{server.url.replace('http', 'ws')}/ws/agent", subprotocols=socket_auth(token_of(ann))) as ws:
            ws.recv(timeout=5)  # the first queue frame: the socket is subscribed
            monkeypatch.setenv("KEFU_DATABASE_URL", url)
            monkeypatch.setenv("KEFU_REDIS_URL", REDIS_URL)
            result = CliRunner().invoke(agents_cli, ["disable", "ann"])
            assert result.exit_code == 0, result.output
            started = time.monotonic()
            assert closed_with(ws, timeout=4) == 4401
            assert time.monotonic() - started < 3.5  # not the 5 s check: the hub's signal


def test_a_token_in_the_url_opens_no_socket(desk: Desk, http: httpx.Client) -> None:
    ann = token_of(login(http, desk.url, "ann", PASSWORD))
    cid, shopper = open_chat(http, desk.url)
    for url in (f"{desk.ws}/ws/agent?token={ann}", f"{desk.ws}/ws/sessions/{cid}?token={token_of(shopper)}"):
        with pytest.raises(InvalidStatus) as refused:
            connect(url)
        assert refused.value.response.status_code == 403
    assert http.get(f"{desk.url}/api/agent/me", params={"token": ann}).status_code == 401


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_tokens_never_reach_the_access_log(tmp_path: Path, http: httpx.Client) -> None:
    """uvicorn's own access log at info, as `python -m handoff_service` runs it."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"
    add_agent(url, "ann")
    app = create_app(settings(url, tmp_path), httpx.MockTransport(FakeRasa().handler))
    lines = Lines()
    lines.setFormatter(logging.Formatter("%(message)s"))
    with ServerThread(app, log_level="info") as server:
        for name in ("uvicorn.access", "uvicorn.error"):
            logging.getLogger(name).addHandler(lines)
        try:
            ann = token_of(login(http, server.url, "ann", PASSWORD))
            cid, shopper = open_chat(http, server.url)
            ws_base = server.url.replace("http", "ws", 1)
            with connect(f"{ws_base}/ws/agent", subprotocols=socket_auth(ann)) as ws:
                ws.recv(timeout=5)
            with connect(f"{ws_base}/ws/sessions/{cid}", subprotocols=socket_auth(token_of(shopper))):
                pass
            http.get(f"{server.url}/api/agent/me", params={"token": ann, "after": "3"})  # an old client's URL
        finally:
            for name in ("uvicorn.access", "uvicorn.error"):
                logging.getLogger(name).removeHandler(lines)

    logged = "\n".join(lines.lines)
    assert "/ws/agent" in logged and f"/ws/sessions/{cid}" in logged and "/api/agent/me" in logged
    assert ann not in logged and token_of(shopper) not in logged
    assert "token=[redacted]&after=3" in logged
