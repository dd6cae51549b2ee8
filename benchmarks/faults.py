"""Nothing lost, whatever fails (issue #15, item 5): the system of docs/deploy.md on loopback
(benchmarks/fault_rig.py: own PostgreSQL and Redis, Rasa, the action server, two handoff
replicas behind a real nginx with deploy/nginx/kefu.conf) under shoppers and agents
(benchmarks/fault_load.py), while one fault after another strikes:

- `handoff_replica_killed`: SIGKILL of one replica, started again 3 s later; its shoppers'
  sockets reconnect through the proxy to the other replica;
- `rasa_killed`: SIGKILL of a Rasa server, started again at once (it loads its model);
- `action_server_down_10s`: SIGKILL of the action server, started again 10 s later;
- `postgresql_restarted`: SIGKILL of PostgreSQL (a crash), started again 2 s later;
- `redis_restarted`: SIGKILL of Redis, started again 2 s later.

Each fault's window runs from just before the fault until `settle` seconds after the process is
back; a message belongs to the window it was first sent in. One JSON line per fault: messages
sent, acknowledged, answered or queued for a person, lost, duplicated, and the longest wait for
a reaction (from first sending, and from the moment the process was back).

Run: `make bench-faults` (`python -m benchmarks.faults --shoppers 100`); tests/integration/
test_faults.py runs a shortened form."""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.fault_load import Load
from benchmarks.fault_rig import HANDOFF_SECRET, IDENTITY_SECRET, ROOT, Rig
from bot_training.training import train

FAULTS: dict[str, tuple[str, float]] = {  # name: (process, seconds kept down)
    "handoff_replica_killed": ("handoff-a", 3.0),
    "rasa_killed": ("rasa", 0.0),
    "action_server_down_10s": ("actions", 10.0),
    "postgresql_restarted": ("postgres", 2.0),
    "redis_restarted": ("redis", 2.0),
}


# Faults joined by it strike together, in one window (the short form saves a restart's wait).
TOGETHER = "+"


@dataclass
class FaultRun:
    shoppers: int = 100
    agent_share: float = 0.2
    think: tuple[float, float] = (5.0, 10.0)
    warm_up: float = 20.0
    settle: float = 20.0
    rasa_servers: int = 2
    # One window each, in order; "a+b" kills a and b at once and restarts both (a row for each).
    faults: tuple[str, ...] = tuple(FAULTS)


def test_model() -> Path:
    """The short-epoch model the integration tests use (faults do not depend on answer quality)."""
    model, _ = train(ROOT / ".venv-rasa", Path("bot/config.test.yml"), ROOT / "var/models", ROOT / "var/logs/train-test.log")
    return model


async def run_faults(work: Path, model: Path, plan: FaultRun, say: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Start the rig, run the load through every fault in `plan`, and return one row per window."""
    rig = Rig(work, model, rasa_servers=plan.rasa_servers, agents=max(2, plan.shoppers // 10))
    started = time.monotonic()
    try:
        await rig.start()
        say(f"# rig up in {time.monotonic() - started:.0f} s: proxy {rig.base}, {plan.rasa_servers} Rasa server(s), logs in {rig.logs}")
        load = Load(
            rig.base, [f"agent{n}" for n in range(rig.agents)], plan.shoppers, plan.agent_share, plan.think,
            IDENTITY_SECRET, HANDOFF_SECRET,
        )  # fmt: skip
        running = asyncio.create_task(load.run())
        downs: dict[str, float] = {}
        try:
            await asyncio.sleep(plan.warm_up)
            for entry in plan.faults:
                names = entry.split(TOGETHER)
                window = load.ledger.open_window(entry)
                await asyncio.sleep(1)
                killed = time.monotonic()
                window.recovered = max(await asyncio.gather(*(rig.restart(*FAULTS[name]) for name in names)))
                downs[entry] = round(window.recovered - killed, 2)
                say(f"# {entry}: {', '.join(FAULTS[name][0] for name in names)} back after {downs[entry]} s")
                await asyncio.sleep(plan.settle)
        finally:
            load.stopping.set()
            done, _ = await asyncio.wait({running}, timeout=90)
            if not done:
                running.cancel()
        await load.drain(30)
        rows = []
        for row in await load.report():
            row["down_s"] = downs.get(row["fault"])
            names = row["fault"].split(TOGETHER)
            rows += [{**row, "fault": name, **({"together_with": [n for n in names if n != name]} if len(names) > 1 else {})} for name in names]
        reconnects = sum(chat.reconnects for chat in load.ledger.chats)
        say(f"# {len(load.ledger.chats)} chats, {reconnects} socket reconnects; client-side errors retried: {dict(load.ledger.errors)}")
        for example in load.lost_examples[:10]:
            say(f"# lost: {example}")
        for line in await relay_notes(rig, load):
            say(line)
        await load.close()
        return rows
    finally:
        rig.stop()


async def relay_notes(rig: Rig, load: Load) -> list[str]:
    """What the outbox (handoff_service/chat/outbox.py) says of the relays: outcomes overall, and
    of each window's longest-waiting message: to tell where a wait was spent."""
    import asyncpg

    conn = await asyncpg.connect(rig.database_url.replace("+asyncpg", ""))
    try:
        counts = await conn.fetch("SELECT coalesce(outcome, 'still due') AS outcome, count(*) AS n FROM relays GROUP BY 1")
        outcomes = {r["outcome"]: r["n"] for r in counts}
        notes = [f"# relays: {outcomes}"]
        for window, message in load.slowest.items():
            relay = await conn.fetchrow(
                "SELECT attempts, outcome, reason, finished_at - due_at AS took FROM relays WHERE event_id = $1", message.seq
            )
            about = dict(relay) if relay else "no relay (not the bot's)"
            notes.append(f"# longest wait in {window}: chat {message.chat.id} seq {message.seq}, {message.attempts} send(s); relay {about}")
        for message in load.unseen[:8]:
            kind = "agent" if message.chat.agent else "bot"
            notes.append(
                f"# not seen live ({message.window}, {kind} chat {message.chat.id} seq {message.seq}): "
                f"socket reconnects {message.chat.reconnects}, last seq seen {message.chat.last_seq}"
            )
        return notes
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shoppers", type=int, default=100)
    parser.add_argument("--agent-share", type=float, default=0.2, help="share of shoppers whose chat an agent owns")
    parser.add_argument("--think", default="5,10", help="seconds a shopper waits between messages: min,max")
    parser.add_argument("--warm-up", type=float, default=20)
    parser.add_argument("--settle", type=float, default=20, help="seconds the load runs after each process is back")
    parser.add_argument("--rasa-servers", type=int, default=2)
    parser.add_argument("--faults", default=",".join(FAULTS), help=f"in order; {TOGETHER!r} joins faults that strike together")
    args = parser.parse_args()
    low, high = (float(x) for x in args.think.split(","))
    plan = FaultRun(args.shoppers, args.agent_share, (low, high), args.warm_up, args.settle, args.rasa_servers, tuple(args.faults.split(",")))
    work = ROOT / "var/bench-faults"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    rows = asyncio.run(run_faults(work, test_model(), plan))
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
