"""Handoff-service benchmarks (issue #4). Each starts its own handoff service as a real process.

    python -m benchmarks.desk latency      # escalation → agent sees it; agent reply → shopper
    python -m benchmarks.desk sockets 5000 # idle shopper WebSockets held by one replica, and its memory
    python -m benchmarks.desk soak         # 200 shoppers + 20 agents, one restart mid-run: nothing lost
Add `--postgres` to run on a fresh PostgreSQL database instead of SQLite.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import websockets

from benchmarks.handoff_databases import add_agent, postgres_database
from kefu_contract.packet import HandoffPacket, sign
from kefu.supervisor import free_port

SECRET = "bench-secret"
# All simulated shoppers and agents come from 127.0.0.1: the abuse limits per address and per chat
# (handoff_service/core/limits.py) would stop the load they make.
UNLIMITED = {
    f"KEFU_LIMIT_{rule}": "1000000/minute"
    for rule in ("LOGINS_PER_IP", "LOGIN_FAILURES_PER_USERNAME", "SESSIONS_PER_IP", "MESSAGES_PER_SESSION", "TYPING_PER_SESSION")
}
ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class Service:
    """The handoff service as a real process, which the soak test restarts."""

    def __init__(self, database_url: str, log: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ, "KEFU_PORT": str(self.port), "KEFU_DATABASE_URL": database_url,
            "KEFU_HANDOFF_SECRET": SECRET, "KEFU_RASA_URL": f"http://127.0.0.1:{free_port()}",
            "KEFU_DEMO_AGENT_USERNAME": "", **UNLIMITED, **env,
        }
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "handoff_service"], cwd=ROOT, env=self.env,
            stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"handoff service did not start; see {self.log}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)

    def rss_mib(self) -> float:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0


@contextmanager
def database(postgres: bool, work: Path) -> Iterator[str]:
    if postgres:
        with postgres_database() as url:
            yield url
    else:
        yield f"sqlite+aiosqlite:///{work / 'bench.db'}"


async def open_chat(http: httpx.AsyncClient, base: str) -> tuple[str, dict[str, str], str]:
    created = (await http.post(f"{base}/api/sessions", json={"customer_id": "C1001", "lang": "zh"})).json()
    return created["conversation_id"], {"Authorization": f"Bearer {created['token']}"}, created["token"]


async def escalate(http: httpx.AsyncClient, base: str, cid: str) -> None:
    body = HandoffPacket(conversation_id=cid, reason="explicit_request").model_dump_json().encode()
    response = await http.post(
        f"{base}/api/escalations", content=body, headers={"content-type": "application/json", **sign(body, SECRET)}
    )
    response.raise_for_status()


async def login(http: httpx.AsyncClient, base: str, username: str) -> dict[str, str]:
    token = (await http.post(f"{base}/api/agent/login", json={"username": username, "password": "password-123"})).json()["token"]
    return {"Authorization": f"Bearer {token}"}


async def next_frame(ws: Any, predicate: Any) -> dict[str, Any]:
    while True:
        frame = json.loads(await ws.recv())
        if predicate(frame):
            return frame


# --- latency -----------------------------------------------------------------------------------

async def latency(service: Service, turns: int) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        agent = await login(http, service.url, "agent01")
        token = agent["Authorization"].split()[1]
        ws_base = service.url.replace("http", "ws")
        seen, replies = [], []
        async with websockets.connect(f"{ws_base}/ws/agent", subprotocols=["kefu", f"kefu.token.{token}"], max_size=None) as console:
            for _ in range(turns):
                cid, auth, shopper_token = await open_chat(http, service.url)
                started = time.perf_counter()
                await escalate(http, service.url, cid)
                await next_frame(console, lambda f: f["type"] == "queue" and any(i["conversation_id"] == cid for i in f["items"]))
                seen.append((time.perf_counter() - started) * 1000)
                (await http.post(f"{service.url}/api/agent/conversations/{cid}/claim", headers=agent)).raise_for_status()
                async with websockets.connect(f"{ws_base}/ws/sessions/{cid}", subprotocols=["kefu", f"kefu.token.{shopper_token}"]) as shopper:
                    await next_frame(shopper, lambda f: f["type"] == "event" and f["event"]["payload"].get("state") == "agent")
                    started = time.perf_counter()
                    await http.post(f"{service.url}/api/agent/conversations/{cid}/messages", json={"text": "您好"}, headers=agent)
                    await next_frame(shopper, lambda f: f["type"] == "event" and f["event"]["sender"] == "agent")
                    replies.append((time.perf_counter() - started) * 1000)
                (await http.post(f"{service.url}/api/agent/conversations/{cid}/close", headers=agent)).raise_for_status()
    print(f"{turns} chats, one after another")
    print("| what | p50 ms | p99 ms |")
    print("|---|---|---|")
    print(f"| escalation posted → in the online agent's queue (WebSocket) | {percentile(seen, 50):.1f} | {percentile(seen, 99):.1f} |")
    print(f"| agent reply posted → shopper's WebSocket | {percentile(replies, 50):.1f} | {percentile(replies, 99):.1f} |")


# --- idle sockets --------------------------------------------------------------------------------

async def sockets(service: Service, count: int) -> None:
    base_rss = service.rss_mib()
    chats: list[tuple[str, dict[str, str], str]] = []
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=50)) as http:
        for _ in range(0, count, 50):
            chats += await asyncio.gather(*(open_chat(http, service.url) for _ in range(min(50, count - len(chats)))))
    ws_base = service.url.replace("http", "ws")
    connections = []
    started = time.perf_counter()
    for i in range(0, count, 100):
        batch = chats[i : i + 100]
        connections += await asyncio.gather(
            *(websockets.connect(f"{ws_base}/ws/sessions/{cid}", subprotocols=["kefu", f"kefu.token.{token}"], ping_interval=None) for cid, _, token in batch)
        )
    opened = time.perf_counter() - started
    await asyncio.sleep(3)
    rss = service.rss_mib()
    alive = sum(1 for ws in connections if ws.state.name == "OPEN")
    # Still responsive with all of them open: one more chat round trip.
    async with httpx.AsyncClient(timeout=30) as http:
        probe_started = time.perf_counter()
        cid, auth, _ = await open_chat(http, service.url)
        await http.post(f"{service.url}/api/sessions/{cid}/messages", json={"text": "在吗"}, headers=auth)
        probe_ms = (time.perf_counter() - probe_started) * 1000
    for ws in connections:
        await ws.close()
    print(f"{alive}/{count} idle shopper WebSockets open on one replica (opened in {opened:.1f}s)")
    print(f"resident memory: {base_rss:.0f} MiB before, {rss:.0f} MiB with them open ({(rss - base_rss) * 1024 / max(alive, 1):.1f} KiB each)")
    print(f"a new chat + message while they are open: {probe_ms:.0f} ms")


# --- soak with a restart ---------------------------------------------------------------------------

async def soak(service: Service, shoppers: int, agents: int, messages: int) -> None:
    sent: dict[str, list[str]] = {}
    replied: dict[str, set[str]] = {}
    received: dict[str, list[str]] = {}
    done = asyncio.Event()
    limits = httpx.Limits(max_connections=200)

    async def retry(call: Any) -> Any:
        """What a client does while the server restarts: try again until it answers."""
        while True:
            try:
                result = await call()
                if not isinstance(result, httpx.Response) or result.status_code < 500:
                    return result
            except (httpx.HTTPError, ValueError, KeyError):
                pass
            await asyncio.sleep(0.2)

    async def shopper(http: httpx.AsyncClient, n: int) -> None:
        cid, auth, _ = await retry(lambda: open_chat(http, service.url))
        await retry(lambda: _signed_escalation(http, service.url, cid))
        sent[cid], received[cid] = [], []
        cursor = 0
        for i in range(messages):
            text, client_id = f"shopper {n} message {i}", f"s{n}-{i}"
            response = await retry(lambda: http.post(
                f"{service.url}/api/sessions/{cid}/messages", json={"text": text, "client_id": client_id}, headers=auth))
            assert response.status_code == 202, response.text
            sent[cid].append(text)
            while len(received[cid]) <= i:  # wait for the agent's answer to this message
                page = (await retry(lambda: http.get(
                    f"{service.url}/api/sessions/{cid}/events", params={"after": cursor, "wait": "true"}, headers=auth))).json()
                for event in page["events"]:
                    cursor = event["seq"]
                    if event["sender"] == "agent":
                        received[cid].append(event["text"])

    async def agent(http: httpx.AsyncClient, username: str) -> None:
        auth = await retry(lambda: login(http, service.url, username))
        await retry(lambda: http.put(f"{service.url}/api/agent/status", json={"status": "online"}, headers=auth))
        while not done.is_set():
            items = (await retry(lambda: http.get(f"{service.url}/api/agent/queue", headers=auth))).json()["items"]
            me = (await retry(lambda: http.get(f"{service.url}/api/agent/me", headers=auth))).json()["id"]
            for item in items:
                if item["assigned_agent_id"] != me:
                    continue
                cid = item["conversation_id"]
                detail = (await retry(lambda: http.get(f"{service.url}/api/agent/conversations/{cid}", headers=auth))).json()
                for event in detail["events"]:
                    if event["sender"] != "shopper" or event["client_id"] in replied.setdefault(cid, set()):
                        continue
                    reply = f"answer to {event['text']}"
                    await retry(lambda: http.post(
                        f"{service.url}/api/agent/conversations/{cid}/messages",
                        json={"text": reply, "client_id": f"r-{event['client_id']}"}, headers=auth))
                    replied[cid].add(event["client_id"])
            await asyncio.sleep(0.5)

    async def restarter() -> None:
        while sum(len(v) for v in sent.values()) < shoppers * messages // 2:
            await asyncio.sleep(0.2)
        await asyncio.to_thread(service.stop)
        await asyncio.to_thread(service.start)
        print("restarted the handoff service mid-run")

    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        agent_tasks = [asyncio.create_task(agent(http, f"agent{i:02d}")) for i in range(1, agents + 1)]
        restart = asyncio.create_task(restarter())
        await asyncio.gather(*(shopper(http, n) for n in range(shoppers)))
        done.set()
        await asyncio.gather(*agent_tasks)
        await restart
        # The server's record, after the restart: every message exactly once.
        lost = duplicated = 0
        checker = await retry(lambda: login(http, service.url, "agent01"))
        for cid, texts in sent.items():
            token_free = (await http.get(f"{service.url}/api/agent/conversations/{cid}", headers=checker)).json()
            stored = [e["text"] for e in token_free["events"] if e["sender"] == "shopper"]
            answers = [e["text"] for e in token_free["events"] if e["sender"] == "agent"]
            lost += len(set(texts) - set(stored)) + len({f"answer to {t}" for t in texts} - set(answers))
            duplicated += (len(stored) - len(set(stored))) + (len(answers) - len(set(answers)))
            duplicated += len(received[cid]) - len(set(received[cid]))
    elapsed = time.perf_counter() - started
    total = shoppers * messages
    print(f"{shoppers} shoppers × {messages} messages, {agents} agents, {elapsed:.0f}s: "
          f"{total} shopper messages and {total} agent replies; lost {lost}, duplicated {duplicated}")


async def _signed_escalation(http: httpx.AsyncClient, base: str, cid: str) -> httpx.Response:
    body = HandoffPacket(conversation_id=cid, reason="explicit_request").model_dump_json().encode()
    return await http.post(f"{base}/api/escalations", content=body, headers={"content-type": "application/json", **sign(body, SECRET)})


def main() -> None:
    what = sys.argv[1] if len(sys.argv) > 1 else "latency"
    postgres = "--postgres" in sys.argv
    numbers = [int(a) for a in sys.argv[2:] if a.isdigit()]
    with tempfile.TemporaryDirectory() as tmp, database(postgres, Path(tmp)) as url:
        work = Path(tmp)
        agents = 20 if what == "soak" else 1
        for i in range(1, agents + 1):
            add_agent(url, f"agent{i:02d}", max_concurrent=10)
        settings = {"KEFU_SWEEP_INTERVAL_SECONDS": "0.5", "KEFU_CALLBACK_AFTER_SECONDS": "3600",
                    "KEFU_AUTO_ASSIGN": "true" if what == "soak" else "false"}
        service = Service(url, work / "handoff.log", **settings)
        service.start()
        print(f"database: {'PostgreSQL' if postgres else 'SQLite'}")
        try:
            if what == "latency":
                asyncio.run(latency(service, numbers[0] if numbers else 200))
            elif what == "sockets":
                asyncio.run(sockets(service, numbers[0] if numbers else 5000))
            elif what == "soak":
                asyncio.run(soak(service, shoppers=200, agents=20, messages=numbers[0] if numbers else 5))
            else:
                raise SystemExit(f"unknown benchmark {what!r}: latency, sockets or soak")
        finally:
            service.stop()


if __name__ == "__main__":
    main()
