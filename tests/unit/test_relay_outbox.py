"""Nothing acknowledged is lost (issue #15): the relay's outbox, its lease between replicas, what
happens when the relay fails, a crash and a SIGTERM between the acknowledgement and the answer,
and background loops that survive their errors."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI, Request
from sqlalchemy import Connection, text
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from handoff_service.app import create_app
from handoff_service.chat import outbox, transcript
from handoff_service.core.background import Background
from handoff_service.core.db import make_engine
from handoff_service.core.metrics import Metrics
from handoff_service.settings import Settings
from kefu.supervisor import free_port
from tests.conftest import ROOT, ServerThread, wait_until
from tests.handoff_helpers import (
    IDENTITY_SECRET,
    SECRET,
    FakeRasa,
    database,
    events,
    open_chat,
    socket_auth,
)

T = TypeVar("T")


def settings_for(url: str, **more: Any) -> Settings:
    return Settings(
        environment="development", database_url=url, handoff_secret=SECRET, identity_secret=IDENTITY_SECRET,
        auto_assign=False, demo_agent_username=None, **more,
    )  # fmt: skip


def on_db(url: str, work: Callable[[Connection], T]) -> T:
    """`work(connection)` on the service's database, from a test's thread."""

    async def run() -> T:
        engine = make_engine(url)
        try:
            return await transcript.run(engine, work)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def relays(url: str) -> list[dict[str, Any]]:
    def read(connection: Connection) -> list[dict[str, Any]]:
        return [dict(row._mapping) for row in connection.execute(text("SELECT * FROM relays ORDER BY event_id"))]

    return on_db(url, read)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path) as url:
        yield url


def test_a_relay_failing_with_an_unexpected_exception_queues_the_chat_and_tells_the_shopper(db_url: str, http: httpx.Client):
    def broken(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("something nobody expected")

    with ServerThread(create_app(settings_for(db_url), rasa_transport=httpx.MockTransport(broken))) as server:
        cid, auth = open_chat(http, server.url, lang="en")
        sent_at = time.monotonic()
        sent = http.post(f"{server.url}/api/sessions/{cid}/messages", json={"text": "where is my parcel"}, headers=auth)
        assert sent.status_code == 202
        told = wait_until(lambda: [e for e in events(http, server.url, cid, auth) if e["kind"] == "state"], timeout=5)
        assert time.monotonic() - sent_at < 2
        assert told[-1]["payload"]["state"] == "queued"
        assert "person" in told[-1]["text"].lower() or "agent" in told[-1]["text"].lower()  # said in English
        relay = relays(db_url)[0]
        assert relay["outcome"] == "queued" and "something nobody expected" in relay["reason"]


def test_a_repeated_answer_for_the_same_message_is_refused(db_url: str, http: httpx.Client):
    """A relay's answer is stored only with the relay's move to answered, by its holder: a second
    answer for the same message (a relay taken over after its lease ran out) is rolled back."""
    rasa = FakeRasa()
    with ServerThread(create_app(settings_for(db_url), rasa_transport=httpx.MockTransport(rasa.handler))) as server:
        cid, auth = open_chat(http, server.url)
        http.post(f"{server.url}/api/sessions/{cid}/messages", json={"text": "你好"}, headers=auth)
        wait_until(lambda: relays(db_url) and relays(db_url)[0]["outcome"] == "answered")

        relay = relays(db_url)[0]

        def answer_again(connection: Connection) -> bool:
            return outbox.finish(connection, relay["event_id"], relay["lease_owner"], "answered")

        assert on_db(db_url, answer_again) is False
        bot = [e for e in events(http, server.url, cid, auth) if e["sender"] == "bot"]
        assert len(bot) == 1 and bot[0]["payload"]["in_reply_to"] == relays(db_url)[0]["event_id"]


def test_two_replicas_never_relay_the_same_message_twice(db_url: str, http: httpx.Client):
    """Relays a dead replica left due (its lease ran out) are taken by two live replicas, each once."""
    setup = settings_for(db_url)
    with ServerThread(create_app(setup, rasa_transport=httpx.MockTransport(FakeRasa().handler))) as server:
        chats = [open_chat(http, server.url) for _ in range(4)]
    count = 40

    def leave_due(connection: Connection) -> None:
        for i in range(count):
            cid = chats[i % len(chats)][0]
            seq = connection.execute(
                text(
                    "INSERT INTO events (conversation_id, kind, sender, text, payload, created_at) "
                    "VALUES (:cid, 'message', 'shopper', :text, :payload, CURRENT_TIMESTAMP) RETURNING id"
                ),
                {"cid": cid, "text": f"消息 {i}", "payload": '{"lang": "zh"}'},
            ).scalar_one()
            connection.execute(
                text(
                    "INSERT INTO relays (event_id, conversation_id, due_at, attempts, lease_owner, lease_until) "
                    "VALUES (:seq, :cid, CURRENT_TIMESTAMP, 1, 'dead-replica', :past)"
                ),
                {"seq": seq, "cid": cid, "past": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)},
            )
        connection.commit()

    on_db(db_url, leave_due)
    rasas = [FakeRasa(), FakeRasa()]
    apps = [
        create_app(settings_for(db_url, relay_poll_seconds=0.02), rasa_transport=httpx.MockTransport(rasa.handler))
        for rasa in rasas
    ]
    with ServerThread(apps[0]) as a, ServerThread(apps[1]):
        wait_until(lambda: all(r["outcome"] == "answered" for r in relays(db_url)), timeout=30)
        received = [body["message"] for rasa in rasas for body in rasa.received]
        assert sorted(received) == sorted(f"消息 {i}" for i in range(count))  # each relayed once, by one replica
        answers = [e for cid, auth in chats for e in events(http, a.url, cid, auth) if e["sender"] == "bot"]
        assert len(answers) == count
        assert len({e["payload"]["in_reply_to"] for e in answers}) == count
        owners = {r["lease_owner"] for r in relays(db_url)}
        assert "dead-replica" not in owners


def test_a_loop_whose_body_raises_operational_error_keeps_running_and_healthz_shows_it(tmp_path: Path, http: httpx.Client):
    """The sweeper meets a real OperationalError (its table is gone for a moment): it logs, backs off,
    keeps going, and /healthz says so until it recovers."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'loops.db'}"
    with ServerThread(create_app(settings_for(url, sweep_interval_seconds=0.05))) as server:
        wait_until(lambda: http.get(f"{server.url}/healthz").json()["loops"]["sweeper"]["last_success"])
        with sqlite3.connect(tmp_path / "loops.db") as raw:
            raw.execute("ALTER TABLE agents RENAME TO agents_away")
        broken = wait_until(lambda: (h := http.get(f"{server.url}/healthz").json())["loops"]["sweeper"]["failures_in_a_row"] >= 2 and h)
        assert broken["status"] == "degraded"
        assert "OperationalError" in broken["loops"]["sweeper"]["last_error"]
        assert broken["loops"]["relay_worker"]["ok"]
        with sqlite3.connect(tmp_path / "loops.db") as raw:
            raw.execute("ALTER TABLE agents_away RENAME TO agents")
        healed = wait_until(lambda: (h := http.get(f"{server.url}/healthz").json())["status"] == "ok" and h, timeout=10)
        assert healed["loops"]["sweeper"]["failures_in_a_row"] == 0
        metrics = http.get(f"{server.url}/metrics").text
        assert 'kefu_background_failures_total{loop="sweeper"}' in metrics
        assert 'kefu_background_last_success_timestamp_seconds{loop="sweeper"}' in metrics


async def test_a_supervised_loop_backs_off_and_goes_on_after_any_error() -> None:
    calls: list[float] = []

    async def flaky() -> None:
        calls.append(time.monotonic())
        if len(calls) <= 3:
            raise ValueError(f"failure {len(calls)}")

    background = Background(Metrics())
    background.every("flaky", 0.02, flaky)
    deadline = time.monotonic() + 5
    while len(calls) < 6 and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    await background.stop()
    gaps = [b - a for a, b in itertools.pairwise(calls)]
    # Backed off after each failure (0.02, 0.04, 0.08 s: lower bounds, a loaded machine only adds),
    # then back to the interval once a run succeeded.
    assert gaps[0] >= 0.019 and gaps[1] >= 0.039 and gaps[2] >= 0.079
    assert background.health["flaky"].failures == 0 and background.health["flaky"].last_success


# --- a real process: SIGKILL and SIGTERM between the acknowledgement and the answer ---------------


class HeldRasa:
    """Rasa's REST channel over real HTTP, answering each message `bot: <text>`; while `hold` is set
    a message waits unanswered (a relay in flight when the handoff service is stopped)."""

    def __init__(self) -> None:
        self.hold = threading.Event()
        self.received: list[dict[str, Any]] = []
        self.app = FastAPI()

        @self.app.post("/webhooks/rest/webhook")
        async def webhook(request: Request) -> list[dict[str, Any]]:
            body = await request.json()
            self.received.append(body)
            while self.hold.is_set():
                await asyncio.sleep(0.02)
            return [{"recipient_id": body["sender"], "text": f"bot: {body['message']}"}]


def start_process(port: int, db_url: str, rasa_url: str, log: Path, **env: str) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ, "KEFU_PORT": str(port), "KEFU_DATABASE_URL": db_url, "KEFU_RASA_URL": rasa_url,
        "KEFU_ENVIRONMENT": "development", "KEFU_HANDOFF_SECRET": SECRET, "KEFU_IDENTITY_SECRET": IDENTITY_SECRET,
        "KEFU_DEMO_ACCOUNTS": "false", "KEFU_RELAY_LEASE_SECONDS": "1", "KEFU_RELAY_POLL_SECONDS": "0.2",
        "KEFU_STORE_PATH": str(log.parent / "store.db"), **env,
    }  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "handoff_service"], cwd=ROOT, env=environment, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )
    wait_until(lambda: process.poll() is not None or _healthy(port), timeout=60)
    assert process.poll() is None, log.read_text()[-3000:]
    return process


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def bot_answers(http: httpx.Client, base: str, cid: str, auth: dict[str, str]) -> list[dict[str, Any]]:
    return [e for e in events(http, base, cid, auth) if e["sender"] == "bot"]


@pytest.mark.parametrize(
    ("stop", "kind"),
    # Two process starts each (≈ 15-40 s here): a crash on PostgreSQL, a SIGTERM on SQLite. The
    # relays a dead replica left are taken on both databases in test_two_replicas_… (in-process).
    [("SIGKILL", "postgresql"), ("SIGTERM", "sqlite")],
)
def test_a_message_acknowledged_before_the_service_stopped_is_answered_after_restart(
    stop: str, kind: str, tmp_path: Path, http: httpx.Client
):
    with database(kind, tmp_path) as db_url:
        stop_mid_relay(stop, db_url, tmp_path, http)


def stop_mid_relay(stop: str, db_url: str, tmp_path: Path, http: httpx.Client) -> None:
    rasa = HeldRasa()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "handoff.log"
    with ServerThread(rasa.app) as rasa_server:
        process = start_process(port, db_url, rasa_server.url, log, KEFU_SHUTDOWN_GRACE_SECONDS="1")
        try:
            cid, auth = open_chat(http, base)
            token = auth["Authorization"].split()[1]
            rasa.hold.set()
            with connect(f"ws://127.0.0.1:{port}/ws/sessions/{cid}", subprotocols=socket_auth(token)) as ws:
                sent = http.post(f"{base}/api/sessions/{cid}/messages", json={"text": "在吗", "client_id": "c1"}, headers=auth)
                assert sent.status_code == 202
                seq = sent.json()["event"]["seq"]
                wait_until(lambda: rasa.received)  # the relay is in flight
                stopped_at = time.monotonic()
                process.send_signal(getattr(signal, stop))
                if stop == "SIGTERM":
                    with pytest.raises(ConnectionClosed) as closed:
                        while True:
                            ws.recv(timeout=10)
                    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012  # the widget reconnects
                process.wait(timeout=15)
            if stop == "SIGTERM":
                # uvicorn stops gracefully, then raises the signal it caught again (exit status -15)
                assert process.returncode == -signal.SIGTERM and time.monotonic() - stopped_at < 6
                assert "handoff.relay.stopped" in log.read_text()
                assert relays(db_url)[0]["lease_owner"] is None  # handed back, due to anyone at once
            assert relays(db_url)[0]["outcome"] is None
            rasa.hold.clear()
            process = start_process(port, db_url, rasa_server.url, log)
            answers = wait_until(lambda: bot_answers(http, base, cid, auth), timeout=10)
            time.sleep(0.5)
            answers = bot_answers(http, base, cid, auth)
            assert [a["text"] for a in answers] == ["bot: 在吗"] and answers[0]["payload"]["in_reply_to"] == seq
            assert relays(db_url)[0]["outcome"] == "answered"
            # Relayed twice (the first answer was lost with the process), both times as the same message.
            assert [r["metadata"]["kefu"]["message_id"] for r in rasa.received] == [str(seq), str(seq)]
        finally:
            rasa.hold.clear()
            process.kill()
            process.wait(timeout=10)


def test_the_redis_listener_survives_a_lost_connection_and_healthz_shows_it(tmp_path: Path, http: httpx.Client):
    import redis

    from tests.handoff_helpers import REDIS_URL

    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
    with ServerThread(create_app(settings_for(url, redis_url=REDIS_URL))) as server:
        first = wait_until(lambda: http.get(f"{server.url}/healthz").json()["loops"]["redis_listener"]["last_success"])
        admin = redis.Redis.from_url(REDIS_URL)
        try:
            ours = [c["id"] for c in admin.client_list() if c.get("name") == f"kefu-hub-{os.getpid()}"]
            assert ours
            for client_id in ours:
                admin.client_kill_filter(_id=client_id)
        finally:
            admin.close()
        failures = re.compile(r'kefu_background_failures_total\{loop="redis_listener"\} ([0-9.]+)')
        wait_until(lambda: (m := failures.search(http.get(f"{server.url}/metrics").text)) and float(m.group(1)) >= 1, timeout=15)
        back = wait_until(
            lambda: (h := http.get(f"{server.url}/healthz").json()["loops"]["redis_listener"])["ok"]
            and h["last_success"] > first and h,
            timeout=15,
        )
        assert back["failures_in_a_row"] == 0
