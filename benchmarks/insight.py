"""The service insight's query time over a year of a busy store (issue #17).

    python -m benchmarks.insight [--days 365] [--chats-per-day 2000] [--sqlite] [--postgres]

Writes `days` days of synthetic history (2,000 chats a day by default, a quarter of them escalated
to a person with the whole story: queue, join, replies, close, rating; the rest answered by the
bot) in bulk into a fresh database, migrated as the service migrates it, then times what the
dashboard asks for a week and for a month at the end of that year, cold and warm, and a week's
drill-down and scorecards, each as InsightService runs it for the page. Prints one line per figure.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from benchmarks.handoff_databases import postgres_database
from handoff_service.core.db import make_engine, migrate
from handoff_service.core.models import Agent, Conversation, Csat, Escalation, Event
from handoff_service.insight.periods import Period
from handoff_service.insight.service import InsightService

TZ = "Asia/Shanghai"
HOURS = [1, 1, 0.5, 0.3, 0.3, 0.5, 1, 2, 4, 7, 9, 9, 7, 6, 8, 9, 8, 7, 6, 7, 9, 10, 8, 4]
INTENTS = [("ask_shipping_time", "shipping_time"), ("ask_order_status", "order_tracking"), ("ask_coupon", "coupon_available"),
           ("ask_size", "size_chart"), ("complain_quality", "quality_issue_return"), ("ask_return_policy", "return_policy")]  # fmt: skip


def rows_for_day(rng: random.Random, day: dt.date, chats: int, agents: list[int]) -> dict[str, list[dict[str, Any]]]:
    """One day's rows per table, as the service writes them (payload shapes included)."""
    zone = Period(day, day, TZ).zone
    out: dict[str, list[dict[str, Any]]] = {"conversations": [], "events": [], "escalations": [], "csat": []}
    hours = rng.choices(range(24), HOURS, k=chats)
    for hour in hours:
        cid = uuid.UUID(int=rng.getrandbits(128)).hex
        start = dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)), zone).astimezone(dt.UTC)
        at = lambda seconds, s=start: s + dt.timedelta(seconds=seconds)
        intent, kb = rng.choice(INTENTS)
        customer = f"B{rng.randrange(200_000)}" if rng.random() < 0.8 else None
        events = [
            ("message", "shopper", "什么时候发货", {"lang": "zh"}, at(0)),
            ("message", "bot", "48 小时内发货", {"in_reply_to": 0, "turn": {"intent": intent, "kb_entry": kb, "outcome": "answered"}}, at(2)),
        ]
        state, agent = "bot", None
        if rng.random() < 0.25:
            agent = rng.choice(agents)
            wait = rng.expovariate(1 / 60)
            events += [
                ("message", "shopper", "转人工", {"lang": "zh"}, at(20)),
                ("state", "system", "排队中", {"state": "queued", "reason": "explicit_request", "priority": "routine", "position": 1}, at(21)),
                ("state", "system", "已接入", {"state": "agent", "agent_id": agent, "agent_name": "A", "how": "auto"}, at(21 + wait)),
                ("message", "agent", "您好", {"agent_name": "A"}, at(40 + wait)),
                ("message", "shopper", "好的", {"lang": "zh"}, at(90 + wait)),
                ("message", "agent", "已处理", {"agent_name": "A"}, at(120 + wait)),
                ("state", "system", "已结束", {"state": "closed", "agent_id": agent}, at(300 + wait)),
                ("csat_request", "system", "请评分", {"scale": [1, 5]}, at(300 + wait)),
            ]
            state = "closed"
            out["escalations"].append({"conversation_id": cid, "reason": "explicit_request", "priority": "routine",
                                       "packet": {}, "signature": None, "created_at": at(21)})  # fmt: skip
            if rng.random() < 0.5:
                out["csat"].append({"conversation_id": cid, "agent_id": agent, "score": rng.choice([5, 5, 4, 4, 3, 2, 1]), "comment": "", "created_at": at(330 + wait)})
        out["conversations"].append({
            "id": cid, "token_hash": "bench", "customer_id": customer, "lang": "zh", "state": state, "priority": None, "skill": None,
            "team": None, "assigned_agent_id": None, "created_at": start, "queued_at": None, "assigned_at": None,
            "first_response_at": None, "handled_seconds": None, "released_at": None, "closed_at": None, "sla_alerted": False,
            "callback_contact": None, "callback_due": None,
        })  # fmt: skip
        out["events"] += [
            {"conversation_id": cid, "kind": k, "sender": s, "text": text, "payload": p, "client_id": None, "created_at": t}
            for k, s, text, p, t in events
        ]
    return out


def _sqlite_value(value: Any) -> Any:
    """As SQLAlchemy stores it on SQLite: UTC datetimes without offset, JSON as text."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


async def bulk(raw: Any, dialect: str, table: str, rows: list[dict[str, Any]]) -> None:
    """The driver's own bulk path (PostgreSQL's COPY; SQLite's executemany): five to ten times
    faster than the ORM's, which matters for a year of history and nothing else."""
    columns = list(rows[0])
    if dialect == "postgresql":
        records = [tuple(json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v for v in r.values()) for r in rows]
        await raw.copy_records_to_table(table, records=records, columns=columns)
    else:
        marks = ", ".join("?" for _ in columns)
        await raw.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", [tuple(_sqlite_value(v) for v in r.values()) for r in rows]
        )


async def fill(url: str, days: int, chats_per_day: int, last_day: dt.date) -> tuple[int, int, float]:
    """Write the history; returns (chats, events, seconds)."""
    engine = make_engine(url)
    started = time.perf_counter()
    rng = random.Random(2026)
    chats = events = 0
    try:
        await migrate(engine)
        async with engine.begin() as conn:
            agents = []
            for n in range(40):
                result = await conn.execute(insert(Agent).values(
                    username=f"bench{n}", display_name=f"Agent {n}", password_hash="!", role="agent", active=False,
                    status="offline", max_concurrent=3, active_chats=0, languages=["zh"], skills=[],
                ).returning(Agent.id))  # fmt: skip
                agents.append(result.scalar_one())
        for offset in range(days):
            day = last_day - dt.timedelta(days=days - 1 - offset)
            rows = rows_for_day(rng, day, chats_per_day, agents)
            async with engine.begin() as conn:
                raw = (await conn.get_raw_connection()).driver_connection
                for table, key in ((Conversation, "conversations"), (Event, "events"), (Escalation, "escalations"), (Csat, "csat")):
                    if rows[key]:
                        await bulk(raw, engine.dialect.name, table.__tablename__, rows[key])
            chats += len(rows["conversations"])
            events += len(rows["events"])
            if offset % 30 == 29:
                print(f"  … {offset + 1} days, {chats:,} chats, {events:,} events, {time.perf_counter() - started:.0f} s", flush=True)
        if engine.dialect.name == "postgresql":
            async with engine.connect() as conn:
                await conn.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()
    return chats, events, time.perf_counter() - started


async def timings(url: str, last_day: dt.date, repeats: int) -> dict[str, Any]:
    engine = make_engine(url)
    insight = InsightService(engine, None, TZ)
    week = Period(last_day - dt.timedelta(days=6), last_day, TZ)
    month = Period(last_day - dt.timedelta(days=29), last_day, TZ)
    out: dict[str, Any] = {}
    try:
        for name, call in (
            ("dashboard_week", lambda: insight.dashboard(week)),
            ("dashboard_month", lambda: insight.dashboard(month)),
            ("drill_week_day", lambda: insight.drill(week, {"day": last_day.isoformat()})),
            ("scorecards_week", lambda: insight.scorecards(week, {"resolution": 0.3, "satisfaction": 0.3, "conversion": 0.25, "speed": 0.15}, 60)),
        ):
            seconds, cpu = [], []
            for _ in range(repeats):
                started, started_cpu = time.perf_counter(), time.process_time()
                await call()
                seconds.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
            # This process's CPU (with SQLite, the queries too; PostgreSQL's server works apart): less
            # sensitive than the wall clock to the other work on a shared machine.
            out[name] = {"first_s": round(seconds[0], 3), "median_s": round(statistics.median(seconds), 3),
                         "median_cpu_s": round(statistics.median(cpu), 3)}  # fmt: skip
            print(f"  {name:18s} first {seconds[0]:.3f} s, median of {repeats} {statistics.median(seconds):.3f} s "
                  f"(this process's CPU {statistics.median(cpu):.3f} s)", flush=True)  # fmt: skip
        figures = await insight.figures(week)
        out["week_chats"] = figures["conversations"]
    finally:
        await engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--chats-per-day", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--days-after", type=int, default=0,
        help="history past the measured periods (7: their week after exists, read for repeat contacts, as for any past period)",
    )  # fmt: skip
    parser.add_argument("--sqlite", action="store_true", help="only SQLite")
    parser.add_argument("--postgres", action="store_true", help="only PostgreSQL")
    args = parser.parse_args()
    last_day = dt.date(2026, 11, 30)
    kinds = ["sqlite"] if args.sqlite else ["postgresql"] if args.postgres else ["sqlite", "postgresql"]
    results = {}
    for kind in kinds:
        print(f"{kind}: {args.days} days × {args.chats_per_day} chats", flush=True)
        with tempfile.TemporaryDirectory() as folder:
            if kind == "sqlite":
                url = f"sqlite+aiosqlite:///{Path(folder) / 'insight.db'}"
                results[kind] = run(url, args, last_day)
                results[kind]["database_mb"] = round((Path(folder) / "insight.db").stat().st_size / 1e6)
            else:
                with postgres_database() as url:
                    results[kind] = run(url, args, last_day)
    print(json.dumps(results, indent=2))
    print("load average at the end:", " ".join(f"{x:.1f}" for x in os.getloadavg()), "on", os.cpu_count(), "cores")


def run(url: str, args: argparse.Namespace, last_day: dt.date) -> dict[str, Any]:
    chats, events, seconds = asyncio.run(fill(url, args.days + args.days_after, args.chats_per_day, last_day + dt.timedelta(days=args.days_after)))
    print(f"  wrote {chats:,} chats and {events:,} events in {seconds:.0f} s", flush=True)
    return {"chats": chats, "events": events, "fill_s": round(seconds), **asyncio.run(timings(url, last_day, args.repeats))}


if __name__ == "__main__":
    main()
