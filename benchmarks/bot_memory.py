"""What durable bot memory costs a Rasa server per turn (BENCHMARKS.md, "Bot memory").

A turn reads the conversation from the tracker store, adds the turn's events (the shopper's
message, the action, a slot, the answer, listening again) and saves it; with several Rasa
servers the turn also holds the conversation's lock. Measured in Rasa's own environment with
its own stores: kefu's in-memory store (bot/tracker_store.py), Rasa's SQL store on PostgreSQL
(what `KEFU_DATABASE_URL=postgresql…` gets, kefu/bot_memory.py) and Rasa's Redis store, and
Rasa's Redis lock store. Conversations grow to `--turns` turns, as chats do.

    make bench-bot-memory            # or: .venv/bin/python -m benchmarks.bot_memory --chats 20 --turns 10
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import make_url

from benchmarks.handoff_databases import drop_database, postgres_database

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import asyncio, json, sys, time, statistics
from rasa.core.tracker_store import TrackerStore
from rasa.core.lock_store import LockStore
from rasa.core.utils import AvailableEndpoints
from rasa.utils.endpoints import EndpointConfig
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered, SessionStarted

args = json.loads(sys.argv[1])
domain = Domain.load("bot/domain.yml")

def turn(n):
    intent, entities = {"name": "ask_order_status", "confidence": 0.93}, [{"entity": "order_id", "value": f"O{n}"}]
    text = f"我的订单 O{n} 到哪了"
    return [
        UserUttered(text, intent, entities, parse_data={"text": text, "intent": intent, "entities": entities,
                    "intent_ranking": [intent] * 10, "kefu_use_v3": "A" * 684}),
        ActionExecuted("action_order_status"), SlotSet("order_id", f"O{n}"),
        BotUttered(f"订单 O{n} 已发货，预计明天送达", {"buttons": [{"title": "转人工", "payload": "/request_human"}]}),
        ActionExecuted("action_listen"),
    ]

def q(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]

async def measure(name, store, lock_store):
    times = []
    prefix = args["prefix"]
    for c in range(args["chats"]):
        sender = f"{prefix}-{name}-{c}"
        tracker = store.init_tracker(sender)
        for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")):
            tracker.update(event)
        await store.save(tracker)
    cpu = time.process_time()
    for n in range(args["turns"]):
        for c in range(args["chats"]):
            sender = f"{prefix}-{name}-{c}"
            start = time.perf_counter()
            if lock_store is not None:
                async with lock_store.lock(sender):
                    tracker = await store.retrieve(sender)
                    for event in turn(n):
                        tracker.update(event)
                    await store.save(tracker)
            else:
                tracker = await store.retrieve(sender)
                for event in turn(n):
                    tracker.update(event)
                await store.save(tracker)
            times.append((time.perf_counter() - start) * 1000)
    cpu = (time.process_time() - cpu) * 1000 / len(times)
    last = await store.retrieve(f"{prefix}-{name}-0")
    assert last.get_slot("order_id") == f"O{args['turns'] - 1}", last.get_slot("order_id")
    return {"store": name, "turns": len(times), "mean_ms": round(statistics.fmean(times), 3),
            "p50_ms": round(q(times, 0.5), 3), "p99_ms": round(q(times, 0.99), 3),
            "rasa_cpu_ms": round(cpu, 3)}

async def main():
    sql = args["sql"]
    stores = [
        ("memory (bot/tracker_store.py)", EndpointConfig(type="bot.tracker_store.KeptTrackerStore"), None),
        ("sql (PostgreSQL)", EndpointConfig(type="SQL", dialect="postgresql", url=sql["host"], port=sql["port"],
                                            db=sql["db"], login_db=sql["login_db"], username=sql["user"], password=""), None),
        ("sql-async (PostgreSQL, synchronous_commit off)", EndpointConfig(type="SQL", dialect="postgresql", url=sql["host"], port=sql["port"],
                                            db=sql["db"], login_db=sql["login_db"], username=sql["user"], password="",
                                            query={"options": "-csynchronous_commit=off"}), None),
        ("redis", EndpointConfig(type="redis", url="127.0.0.1", port=6379, db=args["redis_db"], key_prefix=args["prefix"]), None),
        ("sql (PostgreSQL) + redis lock", EndpointConfig(type="SQL", dialect="postgresql", url=sql["host"], port=sql["port"],
                                            db=sql["db"], login_db=sql["login_db"], username=sql["user"], password=""),
         EndpointConfig(type="redis", url="127.0.0.1", port=6379, db=args["redis_db"], key_prefix=args["prefix"])),
    ]
    for name, config, lock in stores:
        store = TrackerStore.create(config, domain)
        lock_store = LockStore.create(lock) if lock is not None else None
        print(json.dumps(await measure(name.split()[0] + ("-lock" if lock else ""), store, lock_store) | {"store": name}), flush=True)
        kept = getattr(store, "_tracker_store", store)
        if hasattr(kept, "red"):  # leave nothing behind in Redis
            for key in kept.red.keys(f"*{args['prefix']}*"):
                kept.red.delete(key)

asyncio.run(main())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=20)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--redis-db", type=int, default=7)
    options = parser.parse_args()
    with postgres_database() as url:
        parsed = make_url(url)
        rasa_db = f"{parsed.database}_rasa"
        args = {
            "chats": options.chats, "turns": options.turns, "redis_db": options.redis_db,
            "prefix": f"bench{uuid.uuid4().hex[:8]}",
            "sql": {"host": parsed.host, "port": parsed.port or 5432, "db": rasa_db, "login_db": parsed.database,
                    "user": parsed.username},
        }  # fmt: skip
        try:
            run = subprocess.run(
                [str(ROOT / ".venv-rasa/bin/python"), "-c", PROBE, json.dumps(args)],
                check=False, cwd=ROOT, capture_output=True, text=True, timeout=1200,
                env={"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"},
            )  # fmt: skip
        finally:
            drop_database(rasa_db)
        if run.returncode != 0:
            sys.exit(run.stderr[-3000:])
        for line in run.stdout.splitlines():
            if line.startswith("{"):
                print(line)


if __name__ == "__main__":
    main()
