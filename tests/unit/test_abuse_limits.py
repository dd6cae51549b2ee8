"""Abuse limits and input checks over real HTTP and WebSockets (uvicorn on a free port, a fake Rasa
at the HTTP seam): brute-forced logins, session and message floods, oversized bodies, control
characters; limits shared by two instances over the real Redis."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from handoff_service.app import create_app
from handoff_service.core.agents import AgentDirectory
from handoff_service.core.db import make_engine, make_sessionmaker, migrate
from handoff_service.core.errors import BadRequest, TooManyRequests
from handoff_service.core.limits import RateLimits, Rule
from handoff_service.settings import Settings
from kefu.supervisor import free_port
from tests.conftest import ServerThread
from tests.handoff_helpers import (
    REDIS_URL,
    SECRET,
    FakeRasa,
    add_agent,
    database,
    events,
    open_chat,
    postgres_database,
)

PASSWORD = "password-123"  # benchmarks.handoff_databases.AGENT_PASSWORD, what add_agent gives


# Timing tests measure argon2's work: no attempt may be cut short by a 429.
UNTHROTTLED_LOGINS = {"limit_logins_per_ip": "1000/minute", "limit_login_failures_per_username": "1000/minute"}


def settings_for(url: str, **limits: Any) -> Settings:
    return Settings(
        environment="development", database_url=url, handoff_secret=SECRET, auto_assign=False,
        demo_agent_username=None, **limits,
    )  # fmt: skip


def serve(settings: Settings) -> ServerThread:
    return ServerThread(create_app(settings, rasa_transport=httpx.MockTransport(FakeRasa().handler)))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    with database("sqlite", tmp_path) as url:
        yield url


def assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 3600
    body = response.json()
    assert body["error"] == "rate_limited" and body["retry_after"] == retry_after
    assert f"请 {retry_after} 秒后再试" in body["message"] and f"try again in {retry_after} s" in body["message"]


def test_brute_forced_password_is_throttled_per_username(sqlite_url: str, http: httpx.Client):
    add_agent(sqlite_url, "mia")
    add_agent(sqlite_url, "leo")
    with serve(settings_for(sqlite_url, limit_login_failures_per_username="3/minute")) as server:
        login = f"{server.url}/api/agent/login"
        for guess in ("123456", "password", "qwerty"):
            assert http.post(login, json={"username": "mia", "password": guess}).status_code == 401
        assert_rate_limited(http.post(login, json={"username": "mia", "password": "letmein"}))
        # While throttled even the right password waits; another account is not affected.
        assert_rate_limited(http.post(login, json={"username": "mia", "password": PASSWORD}))
        assert http.post(login, json={"username": "leo", "password": PASSWORD}).status_code == 200


def test_good_logins_do_not_lock_an_account_out(sqlite_url: str, http: httpx.Client):
    add_agent(sqlite_url, "mia")
    with serve(settings_for(sqlite_url, limit_login_failures_per_username="2/minute")) as server:
        for _ in range(4):
            assert http.post(f"{server.url}/api/agent/login", json={"username": "mia", "password": PASSWORD}).status_code == 200


def test_logins_from_one_address_are_throttled_whatever_the_username(sqlite_url: str, http: httpx.Client):
    with serve(settings_for(sqlite_url, limit_logins_per_ip="4/minute")) as server:
        answers = [
            http.post(f"{server.url}/api/agent/login", json={"username": f"user{i}", "password": "guess"})
            for i in range(5)
        ]
    assert [a.status_code for a in answers[:4]] == [401] * 4
    assert_rate_limited(answers[4])


def test_an_unknown_username_takes_as_long_as_a_wrong_password(sqlite_url: str, http: httpx.Client):
    """Both verify an argon2 hash (an unknown user's against a dummy one), so timing does not tell
    which usernames exist; before, an unknown user answered in ~1 ms against ~60 ms."""
    add_agent(sqlite_url, "mia")
    with serve(settings_for(sqlite_url, **UNTHROTTLED_LOGINS)) as server:

        def seconds(username: str) -> float:
            start = time.perf_counter()
            answer = http.post(f"{server.url}/api/agent/login", json={"username": username, "password": "wrong-guess"})
            assert answer.status_code == 401
            return time.perf_counter() - start

        seconds("nobody")  # the dummy hash is made on first use
        # the fastest of several: what the work costs, without the pauses of a busy machine
        known = min(seconds("mia") for _ in range(5))
        unknown = min(seconds(f"nobody{i}") for i in range(5))
    assert unknown > 0.5 * known, (unknown, known)


def test_sessions_from_one_address_are_throttled(sqlite_url: str, http: httpx.Client):
    with serve(settings_for(sqlite_url, limit_sessions_per_ip="3/minute")) as server:
        for _ in range(3):
            open_chat(http, server.url, customer_id=None)
        assert_rate_limited(http.post(f"{server.url}/api/sessions", json={"lang": "en"}))


def test_messages_and_typing_are_throttled_per_chat_over_http(sqlite_url: str, http: httpx.Client):
    limits = {"limit_messages_per_session": "3/minute", "limit_typing_per_session": "2/minute"}
    with serve(settings_for(sqlite_url, **limits)) as server:
        cid, auth = open_chat(http, server.url, customer_id=None)
        other, other_auth = open_chat(http, server.url, customer_id=None)
        for i in range(3):
            sent = http.post(f"{server.url}/api/sessions/{cid}/messages", json={"text": f"hello {i}"}, headers=auth)
            assert sent.status_code == 202
        assert_rate_limited(http.post(f"{server.url}/api/sessions/{cid}/messages", json={"text": "again"}, headers=auth))
        # Someone without the chat's token cannot use up its allowance: they get 403, nothing counted.
        assert http.post(f"{server.url}/api/sessions/{other}/messages", json={"text": "x"}, headers=auth).status_code == 403
        assert http.post(f"{server.url}/api/sessions/{other}/messages", json={"text": "hi"}, headers=other_auth).status_code == 202
        for _ in range(2):
            typing = http.post(f"{server.url}/api/sessions/{cid}/typing", json={"typing": True}, headers=auth)
            assert typing.status_code == 204
        assert_rate_limited(http.post(f"{server.url}/api/sessions/{cid}/typing", json={"typing": True}, headers=auth))
        stored = [e["text"] for e in events(http, server.url, cid, auth) if e["sender"] == "shopper"]
    assert stored == ["hello 0", "hello 1", "hello 2"]


def frames_until(ws: Any, wanted: str) -> dict[str, Any]:  # noqa: ANN401 - a websockets connection
    while True:
        frame = json.loads(ws.recv(timeout=10))
        if frame["type"] == wanted:
            return frame


def test_a_websocket_frame_over_the_limit_gets_an_error_frame_and_the_socket_stays(sqlite_url: str, http: httpx.Client):
    limits = {"limit_messages_per_session": "2/minute", "limit_typing_per_session": "1/minute"}
    with serve(settings_for(sqlite_url, **limits)) as server:
        cid, auth = open_chat(http, server.url, customer_id=None)
        token = auth["Authorization"].removeprefix("Bearer ")
        with connect(f"{server.url.replace('http', 'ws')}/ws/sessions/{cid}", subprotocols=[f"kefu.token.{token}"]) as ws:
            for i in range(2):
                ws.send(json.dumps({"type": "message", "text": f"hi {i}", "client_id": f"m{i}"}))
                assert frames_until(ws, "ack")["client_id"] == f"m{i}"
            ws.send(json.dumps({"type": "message", "text": "one too many", "client_id": "m2"}))
            refused = frames_until(ws, "error")
            assert refused["error"] == "rate_limited" and refused["client_id"] == "m2" and refused["retry_after"] >= 1
            assert "Too many attempts" in refused["message"]
            ws.send(json.dumps({"type": "typing", "typing": True}))
            ws.send(json.dumps({"type": "typing", "typing": True}))
            typing_refused = frames_until(ws, "error")
            assert typing_refused["error"] == "rate_limited" and typing_refused["frame"] == "typing"
            ws.send("not json")  # the socket still answers
            assert frames_until(ws, "error")["error"] == "bad_frame"


def test_oversized_escalation_is_refused_before_its_signature_is_checked(sqlite_url: str, http: httpx.Client):
    """No signature headers at all: had the HMAC check run, it would answer 401."""
    with serve(settings_for(sqlite_url, max_body_bytes=64 * 1024)) as server:
        url = f"{server.url}/api/escalations"
        assert http.post(url, content=b"{}", headers={"content-type": "application/json"}).status_code == 401
        huge = b'{"conversation_id": "' + b"x" * 2_000_000 + b'"}'
        declared = http.post(url, content=huge, headers={"content-type": "application/json"})
        assert declared.status_code == 413, declared.text
        assert declared.json()["error"] == "too_large" and "65536" in declared.json()["message"]

        def streamed() -> Iterator[bytes]:  # chunked: no Content-Length to go by, counted as it arrives
            for _ in range(40):
                yield b"x" * 16_384

        chunked = http.post(url, content=streamed(), headers={"content-type": "application/json"})
        assert chunked.status_code == 413 and chunked.json()["error"] == "too_large"
        assert http.get(f"{server.url}/healthz").status_code == 200


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_control_characters_are_refused_with_a_clear_400(kind: str, tmp_path: Path, http: httpx.Client):
    with database(kind, tmp_path) as url, serve(settings_for(url)) as server:
        cid, auth = open_chat(http, server.url, customer_id=None)
        base = f"{server.url}/api/sessions/{cid}"
        for text in ("where is\x00 my order", "refund \u202eredro", "bell\x07"):
            refused = http.post(f"{base}/messages", json={"text": text}, headers=auth)
            assert refused.status_code == 400, refused.text
            assert refused.json()["error"] == "bad_request" and "control character (U+" in refused.json()["message"]
        assert http.post(f"{base}/messages", json={"text": "第一行\n第二行\tok"}, headers=auth).status_code == 202
        contact = http.post(f"{base}/callback", json={"contact": "138\x000000"}, headers=auth)
        assert contact.status_code == 400 and "contact" in contact.json()["message"]
        comment = http.post(f"{base}/csat", json={"score": 5, "comment": "good\u2066"}, headers=auth)
        assert comment.status_code == 400 and "U+2066" in comment.json()["message"]
        login = http.post(f"{server.url}/api/agent/login", json={"username": "agent\x00", "password": "x"})
        assert login.status_code == 400
        path = http.get(f"{server.url}/api/sessions/abc%00def/events", params={"wait": "false"}, headers=auth)
        assert path.status_code == 400 and "U+0000" in path.json()["message"]
        token = auth["Authorization"].removeprefix("Bearer ")
        with connect(f"{server.url.replace('http', 'ws')}/ws/sessions/{cid}", subprotocols=[f"kefu.token.{token}"]) as ws:
            ws.send(json.dumps({"type": "message", "text": "nul\x00here", "client_id": "c1"}))
            assert frames_until(ws, "error")["error"] == "bad_request"
        stored = [e["text"] for e in events(http, server.url, cid, auth) if e["sender"] == "shopper"]
    assert stored == ["第一行\n第二行\tok"]


def test_limits_are_shared_by_two_instances_over_redis(http: httpx.Client):
    """Two replicas of one deployment (one PostgreSQL database, one Redis) count together."""
    with postgres_database() as url, ExitStack() as stack:
        settings = settings_for(url, redis_url=REDIS_URL, limit_sessions_per_ip="3/minute")
        one, two = (stack.enter_context(serve(settings)) for _ in range(2))
        open_chat(http, one.url, customer_id=None)
        open_chat(http, two.url, customer_id=None)
        open_chat(http, one.url, customer_id=None)
        assert_rate_limited(http.post(f"{two.url}/api/sessions", json={"lang": "zh"}))
        assert_rate_limited(http.post(f"{one.url}/api/sessions", json={"lang": "zh"}))


def test_limits_of_other_deployments_on_the_same_redis_stay_apart(tmp_path: Path, http: httpx.Client):
    limits = {"redis_url": REDIS_URL, "limit_sessions_per_ip": "2/minute"}
    with ExitStack() as stack:
        first = stack.enter_context(serve(settings_for(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", **limits)))
        second = stack.enter_context(serve(settings_for(f"sqlite+aiosqlite:///{tmp_path / uuid.uuid4().hex}.db", **limits)))
        for _ in range(2):
            open_chat(http, first.url, customer_id=None)
        assert_rate_limited(http.post(f"{first.url}/api/sessions", json={"lang": "zh"}))
        open_chat(http, second.url, customer_id=None)


async def test_an_unreachable_redis_lets_requests_through_instead_of_failing_them():
    """A Redis outage must not stop every chat: nothing is counted, nothing refused, a warning logged.
    The same limit over the real Redis refuses the second attempt."""
    def limits(redis_url: str) -> RateLimits:
        return RateLimits(
            Settings(environment="development", redis_url=redis_url, limit_sessions_per_ip="1/minute",
                     database_url=f"sqlite+aiosqlite:///{uuid.uuid4().hex}.db")
        )  # fmt: skip

    down = limits(f"redis://127.0.0.1:{free_port()}/0")
    for _ in range(3):
        await down.hit(Rule.SESSIONS_PER_IP, "203.0.113.7")
    await down.aclose()
    up = limits(REDIS_URL)
    await up.hit(Rule.SESSIONS_PER_IP, "203.0.113.7")
    with pytest.raises(TooManyRequests):
        await up.hit(Rule.SESSIONS_PER_IP, "203.0.113.7")
    await up.aclose()


async def test_staff_names_with_control_characters_are_refused(tmp_path: Path):
    """`kefu agents add` and every other way an account is made: a name is shown to shoppers and staff."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'agents.db'}")
    await migrate(engine)
    agents = AgentDirectory(make_sessionmaker(engine), 12)
    try:
        for fields in ({"username": "mia\x00"}, {"display_name": "Mia \u202eadmin"}, {"team": "vip\x1b"}):
            values = {"username": "mia", "password": PASSWORD, "display_name": "Mia", **fields}
            with pytest.raises(BadRequest, match="control character"):
                await agents.add(**values)
        assert await agents.list() == []
        assert (await agents.add("mia", PASSWORD, "小美 Mia", team="vip")).display_name == "小美 Mia"
    finally:
        await engine.dispose()
