"""What a bot turn costs the handoff service alone, side by side for several source trees.

Starts `python -m handoff_service` from each tree given (its own code, the same virtual
environment, a fresh SQLite file) in front of a canned Rasa that answers at once, served by this
process, and drives it the way the widget does: a WebSocket message frame → stored and
acknowledged → relayed to "Rasa" → the answer stored and pushed on the socket. Sessions of four
turns, as `benchmarks.turns`. The trees run in turn, round after round, so a noisy machine
weighs on each alike; compare the figures of one round, not of different days.

Per tree and round:
- **one shopper**: N turns one after the other; the service's CPU per turn (from /proc, all its
  threads) and the turn's latency p50 / p99;
- **busy**: K shoppers asking as fast as they are answered for S seconds; turns/s served, the
  service's CPU per turn, p50 / p99.

Run: `make bench-handoff-turn` (`python -m benchmarks.handoff_turn [--trees A,B] [--turns N]
[--shoppers K] [--seconds S] [--rounds R]`); a tree is a checkout of kefu, e.g. a git worktree
of an older commit (`git worktree add /tmp/kefu-old <commit>`, with `.venv` linked into it).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator

import httpx
import uvicorn
import websockets
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from benchmarks.turns import cpu_seconds, held_out_questions, percentile
from kefu.supervisor import free_port

TURNS_PER_SESSION = 4
ANSWER = "亲，现货商品一般在付款后 48 小时内发货，预售商品以商品页写明的时间为准。Orders ship within 48 hours of payment."
_client_ids = itertools.count()


def canned_rasa() -> Starlette:
    """Rasa's REST channel answering at once with a knowledge-base answer and its turn report."""

    async def webhook(request: Request) -> JSONResponse:
        body = await request.json()
        meta = body.get("metadata") or {}
        report = {
            "version": 1, "intent": "ask_shipping_time", "confidence": 0.97, "outcome": "answered",
            "ranking": [{"name": "ask_shipping_time", "confidence": 0.97}, {"name": "ask_delivery_time", "confidence": 0.02}],
            "kb_entry": "shipping_time", "kb_score": 0.91, "language": meta.get("lang") or "zh",
            "message_id": meta.get("message_id"),
        }  # fmt: skip
        return JSONResponse([{"recipient_id": body["sender"], "text": ANSWER, "custom": {"kefu_turn": report}}])

    async def status(_: Request) -> JSONResponse:
        return JSONResponse({"model_file": "canned.tar.gz", "model_id": "canned"})

    return Starlette(routes=[Route("/webhooks/rest/webhook", webhook, methods=["POST"]), Route("/status", status)])


@asynccontextmanager
async def serving(app: Starlette, port: int) -> AsyncIterator[None]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        await task


@dataclass
class Service:
    """One tree's handoff service, started for one round."""

    tree: Path
    port: int
    process: asyncio.subprocess.Process

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


async def start_service(tree: Path, rasa_port: int, work: Path) -> Service:
    port = free_port()
    database = work / f"{tree.name}-{port}.db"
    env = {
        **os.environ,
        "KEFU_ENVIRONMENT": "development", "KEFU_HOST": "127.0.0.1", "KEFU_PORT": str(port),
        "KEFU_RASA_URL": f"http://127.0.0.1:{rasa_port}", "KEFU_RASA_TOKEN": "bench",
        "KEFU_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "KEFU_LIMIT_SESSIONS_PER_IP": "1000000/minute",  # every simulated shopper comes from 127.0.0.1
    }  # fmt: skip
    log = (work / f"{tree.name}-{port}.log").open("ab")
    process = await asyncio.create_subprocess_exec(
        str(tree / ".venv" / "bin" / "python"), "-m", "handoff_service", cwd=tree, env=env, stdout=log, stderr=log
    )
    log.close()
    service = Service(tree, port, process)
    async with httpx.AsyncClient(timeout=5) as http:
        for _ in range(600):
            try:
                if (await http.get(f"{service.base}/healthz")).status_code == 200:
                    return service
            except httpx.HTTPError:
                pass
            if process.returncode is not None:
                break
            await asyncio.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the handoff service of {tree} did not start; see {work}")


async def stop_service(service: Service) -> None:
    service.process.terminate()
    try:
        await asyncio.wait_for(service.process.wait(), 20)
    except TimeoutError:
        service.process.kill()
        await service.process.wait()


class Shopper:
    """One widget: a chat and its WebSocket (the token offered both ways older trees and newer take it)."""

    def __init__(self, base: str, http: httpx.AsyncClient, questions: list[str], first: int) -> None:
        self.base, self.http, self.questions = base, http, questions
        self.socket: Any = None
        self.asked = 0
        self.next_question = first

    async def open(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        session = (await self.http.post(f"{self.base}/api/sessions", json={"lang": "zh"})).json()
        url = self.base.replace("http", "ws", 1) + f"/ws/sessions/{session['conversation_id']}?token={session['token']}"
        self.socket = await websockets.connect(url, subprotocols=["kefu", f"kefu.token.{session['token']}"], max_queue=None)
        self.asked = 0

    async def turn(self) -> float:
        """Milliseconds from sending a question to the bot's answer arriving on the socket."""
        if self.socket is None or self.asked == TURNS_PER_SESSION:
            await self.open()
        text = self.questions[self.next_question % len(self.questions)]
        self.next_question += 1
        self.asked += 1
        started = time.perf_counter()
        await self.socket.send(json.dumps({"type": "message", "text": text, "client_id": f"h{next(_client_ids)}"}))
        while True:
            frame = json.loads(await self.socket.recv())
            if frame.get("type") == "event" and frame["event"]["sender"] == "bot":
                return (time.perf_counter() - started) * 1000
            if frame.get("type") == "error":
                raise RuntimeError(f"the service refused a turn: {frame}")

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()


@dataclass
class Figures:
    cpu_ms: float
    p50: float
    p99: float
    rate: float = 0.0


async def one_shopper(service: Service, questions: list[str], turns: int) -> Figures:
    async with httpx.AsyncClient(timeout=30) as http:
        shopper = Shopper(service.base, http, questions, 0)
        for _ in range(2 * TURNS_PER_SESSION):
            await shopper.turn()
        before = cpu_seconds(service.process.pid)
        times = [await shopper.turn() for _ in range(turns)]
        spent = cpu_seconds(service.process.pid) - before
        await shopper.close()
    return Figures(spent * 1000 / turns, percentile(times, 50), percentile(times, 99))


async def busy(service: Service, questions: list[str], shoppers: int, seconds: float) -> Figures:
    limits = httpx.Limits(max_connections=shoppers, keepalive_expiry=2.0)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        pool = [Shopper(service.base, http, questions, n * 7) for n in range(shoppers)]
        times: list[float] = []
        deadline = 0.0

        async def ask() -> None:
            for shopper in pool:  # warm: every shopper has a chat open
                await shopper.turn()

        await ask()

        async def keep_asking(shopper: Shopper) -> None:
            while time.perf_counter() < deadline:
                times.append(await shopper.turn())

        before, started = cpu_seconds(service.process.pid), time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(keep_asking(s) for s in pool))
        elapsed = time.perf_counter() - started
        spent = cpu_seconds(service.process.pid) - before
        await asyncio.gather(*(s.close() for s in pool))
    return Figures(spent * 1000 / len(times), percentile(times, 50), percentile(times, 99), len(times) / elapsed)


@asynccontextmanager
async def profiled(service: Service, folder: Path | None, name: str) -> AsyncIterator[None]:
    """With a folder: py-spy samples the service meanwhile (collapsed stacks, `<folder>/<name>.txt`;
    py-spy counts a thread blocked in `SimpleQueue.get`, as aiosqlite's are between statements, as busy)."""
    if folder is None:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    spy = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(service.process.pid), "--format", "raw",
        "--rate", "200", "--threads", "--output", str(folder / f"{name}.txt"),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await asyncio.sleep(1)
    try:
        yield
    finally:
        spy.send_signal(2)
        await spy.wait()


async def main(trees: list[Path], turns: int, shoppers: int, seconds: float, rounds: int, profile: Path | None) -> None:
    questions = held_out_questions()
    rasa_port = free_port()
    results: dict[Path, list[tuple[Figures, Figures]]] = {tree: [] for tree in trees}
    print(f"load average before: {os.getloadavg()[0]:.1f}; {len(questions)} questions; trees: {', '.join(map(str, trees))}")
    print("\n| round | tree | load | one shopper: CPU ms/turn | p50 ms | p99 ms | busy: turns/s | CPU ms/turn | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="kefu-handoff-bench-") as scratch:
        work = Path(scratch)
        async with serving(canned_rasa(), rasa_port):
            for round_ in range(1, rounds + 1):
                for tree in trees:
                    service = await start_service(tree, rasa_port, work)
                    try:
                        async with profiled(service, profile, f"{tree.name}-{round_}-one"):
                            single = await one_shopper(service, questions, turns)
                        async with profiled(service, profile, f"{tree.name}-{round_}-busy"):
                            many = await busy(service, questions, shoppers, seconds)
                    finally:
                        await stop_service(service)
                    results[tree].append((single, many))
                    print(
                        f"| {round_} | {tree.name} | {os.getloadavg()[0]:.1f} | {single.cpu_ms:.2f} | {single.p50:.1f} | "
                        f"{single.p99:.1f} | {many.rate:.1f} | {many.cpu_ms:.2f} | {many.p50:.1f} | {many.p99:.1f} |",
                        flush=True,
                    )
    if len(trees) > 1:
        first = trees[0]
        print(f"\nMedian over rounds of each round's ratio to {first.name}:")
        for tree in trees[1:]:
            def ratio(pick: Any) -> float:  # noqa: ANN401 - a field getter
                return statistics.median(pick(b) / pick(a) for a, b in zip(results[first], results[tree]))

            print(
                f"- {tree.name}: one shopper CPU ×{ratio(lambda r: r[0].cpu_ms):.3f}, p50 ×{ratio(lambda r: r[0].p50):.3f}, "
                f"p99 ×{ratio(lambda r: r[0].p99):.3f}; busy turns/s ×{ratio(lambda r: r[1].rate):.3f}, "
                f"CPU ×{ratio(lambda r: r[1].cpu_ms):.3f}, p99 ×{ratio(lambda r: r[1].p99):.3f}"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--trees", default=".", help="comma-separated kefu checkouts; the first is the reference")
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--shoppers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--py-spy", type=Path, default=None, help="a folder for py-spy's samples of the busy part")
    arguments = parser.parse_args()
    chosen = [Path(t).absolute() for t in arguments.trees.split(",")]
    asyncio.run(main(chosen, arguments.turns, arguments.shoppers, arguments.seconds, arguments.rounds, arguments.py_spy))
    sys.exit(0)
