"""The soak (issue #15, item 7): hundreds of shoppers and a team of agents for minutes on two
handoff replicas over PostgreSQL + Redis (the rig of benchmarks/fault_rig.py, behind nginx),
no fault: is anything lost, does any process's memory grow, how long does a bot turn take.

Each shopper behaves as in the fault suite (benchmarks/fault_load.py): bot shoppers ask
knowledge-base questions, four a chat; agent shoppers' chats are claimed by one of the agents,
who answers each message. The offered rate is set by the shoppers' think time.

Printed: the resident memory of every process (with its children: PostgreSQL's backends, nginx's
worker) at the start of the measured part, its middle and its end, and the growth over the last
half; the bot turn's latency (sent → answer on the shopper's socket) p50/p90/p99 and the rate it
was served at; sent / acknowledged / answered or queued / lost / duplicated.

Run: `make bench-soak` (`python -m benchmarks.soak --shoppers 500 --agents 20 --minutes 10`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from benchmarks.fault_load import Load, reaction
from benchmarks.fault_rig import HANDOFF_SECRET, IDENTITY_SECRET, ROOT, Rig
from benchmarks.faults import test_model

PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_rss_mb(root: int) -> float:
    """Resident memory of `root` and every process below it (shared pages counted in each):
    PostgreSQL's backends, nginx's worker."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, grew = {root}, True
    while grew:
        below = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= below
        grew = bool(below)
    total = 0
    for pid in tree:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            continue
    return round(total / 2**20, 1)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] if ordered else float("nan")


async def soak(work: Path, shoppers: int, agents: int, minutes: float, think: tuple[float, float], warm_up: float) -> None:
    rig = Rig(work, test_model(), rasa_servers=2, agents=agents)
    try:
        await rig.start()
        load = Load(
            rig.base, [f"agent{n}" for n in range(agents)], shoppers, agent_share=min(0.5, 2.5 * agents / shoppers),
            think=think, identity_secret=IDENTITY_SECRET, handoff_secret=HANDOFF_SECRET,
        )  # fmt: skip
        running = asyncio.create_task(load.run())
        await asyncio.sleep(warm_up)
        window = load.ledger.open_window("soak")
        samples: list[tuple[float, dict[str, float]]] = []
        end = window.started + minutes * 60
        while time.monotonic() < end:
            samples.append((time.monotonic() - window.started, {name: tree_rss_mb(pid) for name, pid in rig.pids().items()}))
            await asyncio.sleep(min(15.0, max(0.0, end - time.monotonic())))
        samples.append((time.monotonic() - window.started, {name: tree_rss_mb(pid) for name, pid in rig.pids().items()}))
        load.stopping.set()
        done, _ = await asyncio.wait({running}, timeout=90)
        if not done:
            running.cancel()
        await load.drain(30)
        rows = {row["fault"]: row for row in await load.report()}
        turns = [
            seen - m.sent_at
            for m in load.ledger.messages
            if m.window == "soak" and m.chat.agent is None and m.seq is not None
            for seen, kind in [reaction(m.chat, m, True)]
            if seen is not None and kind == "answered"
        ]
        middle = min(samples, key=lambda s: abs(s[0] - minutes * 30))
        for name in samples[0][1]:
            start_mb, mid_mb, end_mb = samples[0][1].get(name), middle[1].get(name), samples[-1][1].get(name)
            growth = None if not mid_mb or end_mb is None else round(100 * (end_mb / mid_mb - 1), 1)
            print(json.dumps({"process": name, "rss_mb_start": start_mb, "rss_mb_middle": mid_mb, "rss_mb_end": end_mb, "growth_last_half_pct": growth}))
        row: dict[str, Any] = rows["soak"]
        summary = {
            "shoppers": shoppers, "agents": agents, "minutes": minutes, "chats": len(load.ledger.chats),
            "bot_turns": len(turns), "bot_turns_per_s": round(len(turns) / (minutes * 60), 1),
            "bot_turn_p50_ms": round(1000 * percentile(turns, 50)), "bot_turn_p90_ms": round(1000 * percentile(turns, 90)),
            "bot_turn_p99_ms": round(1000 * percentile(turns, 99)),
            **{k: row[k] for k in ("sent", "acknowledged", "answered_or_queued", "answered", "queued", "lost", "duplicated", "not_seen_live")},
        }  # fmt: skip
        print(json.dumps(summary))
        print(f"# client-side errors retried: {dict(load.ledger.errors)}")
        await load.close()
    finally:
        rig.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shoppers", type=int, default=500)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--think", default="20,40", help="seconds a shopper waits between messages: min,max")
    parser.add_argument("--warm-up", type=float, default=60)
    args = parser.parse_args()
    low, high = (float(x) for x in args.think.split(","))
    work = ROOT / "var/bench-soak"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    asyncio.run(soak(work, args.shoppers, args.agents, args.minutes, (low, high), args.warm_up))


if __name__ == "__main__":
    main()
