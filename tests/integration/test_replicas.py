"""Scaling for real: two handoff replicas sharing PostgreSQL and Redis, and a restart mid-chat."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from handoff_service.app import create_app
from handoff_service.settings import Settings
from kefu.supervisor import free_port
from tests.conftest import ROOT, ServerThread, wait_until
from tests.handoff_helpers import IDENTITY_SECRET, REDIS_URL, SECRET, FakeRasa, add_agent, escalate, events, login, open_chat, postgres_database, socket_auth

pytestmark = pytest.mark.slow


@pytest.fixture
def replicas() -> Iterator[tuple[str, str, str]]:
    """Replica A and B: separate apps, event loops and hubs, sharing only PostgreSQL and Redis."""
    with postgres_database() as url:
        for name in ("ann", "ben", "cat", "dan"):
            add_agent(url, name, max_concurrent=1)
        servers = []
        for _ in range(2):
            config = Settings(environment="development", database_url=url, redis_url=REDIS_URL, handoff_secret=SECRET, identity_secret=IDENTITY_SECRET, auto_assign=False, demo_agent_username=None)
            servers.append(ServerThread(create_app(config, rasa_transport=httpx.MockTransport(FakeRasa().handler))))
        with servers[0] as a, servers[1] as b:
            yield a.url, b.url, url


def frames_until(ws: Any, predicate: Any, timeout: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        if predicate(frame):
            return frame
    raise AssertionError("frame did not arrive")


def test_shopper_on_one_replica_and_agent_on_the_other_talk_normally(replicas: tuple[str, str, str], http: httpx.Client):
    a, b, _ = replicas
    cid, auth = open_chat(http, a)
    shopper_token = auth["Authorization"].split()[1]
    ann = login(http, b, "ann", "password-123")
    ann_token = ann["Authorization"].split()[1]
    with connect(f"{a.replace('http', 'ws')}/ws/sessions/{cid}", subprotocols=socket_auth(shopper_token)) as shopper, connect(
        f"{b.replace('http', 'ws')}/ws/agent", subprotocols=socket_auth(ann_token)
    ) as console:
        escalate(http, a, cid)
        frames_until(console, lambda f: f["type"] == "queue" and any(i["conversation_id"] == cid for i in f["items"]))
        assert http.post(f"{b}/api/agent/conversations/{cid}/claim", headers=ann).status_code == 200
        joined = frames_until(shopper, lambda f: f["type"] == "event" and f["event"]["payload"].get("state") == "agent")
        assert joined["event"]["payload"]["agent_name"] == "Ann"

        started = time.monotonic()
        http.post(f"{b}/api/agent/conversations/{cid}/messages", json={"text": "您好，我是 Ann"}, headers=ann)
        got = frames_until(shopper, lambda f: f["type"] == "event" and f["event"]["sender"] == "agent")
        assert got["event"]["text"] == "您好，我是 Ann"
        assert time.monotonic() - started < 2

        shopper.send(json.dumps({"type": "message", "text": "谢谢！", "client_id": "s-1"}))
        seen = frames_until(console, lambda f: f["type"] == "event" and f["event"]["sender"] == "shopper")
        assert seen["event"]["text"] == "谢谢！"


def test_simultaneous_claims_on_both_replicas_assign_the_chat_once(replicas: tuple[str, str, str], http: httpx.Client):
    a, b, _ = replicas
    cid, _ = open_chat(http, a)
    escalate(http, a, cid)
    claims = [(url, login(http, url, name, "password-123")) for url, name in ((a, "ann"), (b, "ben"), (a, "cat"), (b, "dan"))]
    results: list[int] = []
    barrier = threading.Barrier(len(claims))

    def claim(url: str, auth: dict[str, str]) -> None:
        with httpx.Client(timeout=30) as client:
            barrier.wait()
            results.append(client.post(f"{url}/api/agent/conversations/{cid}/claim", headers=auth).status_code)

    threads = [threading.Thread(target=claim, args=c) for c in claims]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409, 409, 409]


def test_auto_assignment_on_both_replicas_respects_the_cap(http: httpx.Client):
    with postgres_database() as url:
        add_agent(url, "ann", max_concurrent=2)
        servers = [
            ServerThread(create_app(
                Settings(environment="development", database_url=url, redis_url=REDIS_URL, handoff_secret=SECRET, identity_secret=IDENTITY_SECRET, demo_agent_username=None, sweep_interval_seconds=0.1),
                rasa_transport=httpx.MockTransport(FakeRasa().handler),
            ))
            for _ in range(2)
        ]
        with servers[0] as a, servers[1] as b:
            chats = [open_chat(http, url_) for url_ in (a.url, b.url) * 3]
            threads = [threading.Thread(target=escalate, args=(httpx.Client(timeout=30), s, cid)) for s, (cid, _) in zip((a.url, b.url) * 3, chats)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            ann = login(http, a.url, "ann", "password-123")
            http.put(f"{b.url}/api/agent/status", json={"status": "online"}, headers=ann)
            time.sleep(1)  # let both replicas' timers try to assign more
            items = http.get(f"{a.url}/api/agent/queue", headers=ann).json()["items"]
            assert sum(1 for i in items if i["state"] == "agent") == 2
            assert sum(1 for i in items if i["state"] == "queued") == 4


def start_service(port: int, database_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KEFU_PORT": str(port), "KEFU_DATABASE_URL": database_url, "KEFU_HANDOFF_SECRET": SECRET,
           "KEFU_RASA_URL": f"http://127.0.0.1:{free_port()}", "KEFU_ENVIRONMENT": "development"}
    process = subprocess.Popen(
        [sys.executable, "-m", "handoff_service"], cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )
    wait_until(lambda: _healthy(port), timeout=30)
    return process


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_restart_mid_chat_loses_and_duplicates_nothing(tmp_path: Path, http: httpx.Client):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'restart.db'}"
    process = start_service(port, database_url, tmp_path / "handoff.log")
    try:
        cid, auth = open_chat(http, base)
        escalate(http, base, cid)  # with a person: messages are only stored, never relayed
        texts = [f"消息 {i}" for i in range(40)]
        acknowledged: list[str] = []

        def shopper() -> None:
            with httpx.Client(timeout=5) as client:
                for text in texts:
                    client_id = uuid.uuid4().hex
                    while True:  # what a widget does: retry the same message id until acknowledged
                        try:
                            r = client.post(f"{base}/api/sessions/{cid}/messages", json={"text": text, "client_id": client_id}, headers=auth)
                            if r.status_code == 202:
                                acknowledged.append(text)
                                break
                        except httpx.HTTPError:
                            pass
                        time.sleep(0.05)

        sender = threading.Thread(target=shopper)
        sender.start()
        wait_until(lambda: len(acknowledged) >= 10, timeout=20)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        process = start_service(port, database_url, tmp_path / "handoff.log")
        sender.join(timeout=60)
        assert acknowledged == texts
        stored = [e["text"] for e in events(http, base, cid, auth) if e["sender"] == "shopper"]
        assert stored == texts
    finally:
        process.terminate()
        process.wait(timeout=20)
