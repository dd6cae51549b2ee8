"""A simulated week of proactive service (issue #16): N orders with realistic carrier delays, the real
ProactiveService (rules from proactive/rules.yml, quiet hours, daily cap, one message per order and
rule, delivery into SQLite chat threads) scanning a simulated store every hour, and shoppers who
contact the store when their parcel is late unless they were told first.

    python -m benchmarks.proactive [--orders 1000] [--seed 7] [--scan-orders 10000]

The model, stated:
- Orders are placed evenly over the first five days (Asia/Shanghai); 1.25 orders per customer; 70 % of
  customers write Chinese. An order ships 4–36 h after it is placed; the carrier then posts 3–5
  tracking events 4–20 h apart and delivers.
- 8 % of parcels stall once at a hub for 50–120 h; 2 % hit a delivery exception (failed delivery or
  returned to sender) after their second event; 3 % are pre-sale items promised 3–6 days out, 40 % of
  which the factory delays by 2–10 days (the store learns it 1–3 days before the promised date);
  3 % are refunded during the week.
- A shopper contacts the store ("where is my order") when their parcel has been silent for longer than
  their patience, 24–72 h (uniform), 6–24 h after a delivery exception, or 0–48 h after a pre-sale's
  promised date passes. A shopper told first by a proactive message about that problem contacts the
  store anyway with probability 15 %.
- "Without" counts every such contact; "with" counts those that happen before a message reached the
  shopper, plus the 15 % who write anyway.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import dataclasses
import datetime as dt
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from handoff_service.core.db import make_engine, make_sessionmaker, migrate
from handoff_service.core.hub import EventHub
from handoff_service.core.models import ProactiveAlert, ScanCursor
from handoff_service.proactive.delivery import Delivery
from handoff_service.proactive.engine import evaluate
from handoff_service.proactive.policy import quiet_hours
from handoff_service.proactive.rules import load_rules
from handoff_service.proactive.service import CURSOR, ProactiveService
from handoff_service.settings import Settings
from store.client import OrderChanges, OrderTracking

ROOT = Path(__file__).resolve().parent.parent
ZONE = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 11, 30, 0, 0, tzinfo=ZONE).astimezone(dt.UTC)
WEEK = dt.timedelta(days=7)
TOLD_STILL_CONTACT = 0.15


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()


@dataclass
class SimOrder:
    """One order's whole story, as (time, change) steps the simulated store reveals as the clock passes."""

    base: OrderTracking
    steps: list[tuple[dt.datetime, dict[str, object]]] = field(default_factory=list)
    times: list[dt.datetime] = field(default_factory=list)
    problems: list[tuple[str, dt.datetime]] = field(default_factory=list)  # (alert kind, when the shopper would write)

    def at(self, now: dt.datetime) -> OrderTracking | None:
        count = bisect.bisect_right(self.times, now)
        if count == 0:
            return None
        state = dataclasses.asdict(self.base)
        for _, change in self.steps[:count]:
            state.update(change)
        return OrderTracking(**state)


def simulate_orders(n: int, rng: random.Random) -> list[SimOrder]:
    customers = max(1, int(n / 1.25))
    langs = {c: ("zh" if rng.random() < 0.7 else "en") for c in range(customers)}
    orders = []
    for i in range(n):
        placed = START + dt.timedelta(hours=rng.uniform(0, 120))
        c = rng.randrange(customers)
        base = OrderTracking(
            order_id=f"S{i:06d}", customer_id=f"U{c:05d}", status="paid", total=round(rng.uniform(39, 599), 2),
            created_at=iso(placed), items=[f"item {i}"], customer_name=f"Shopper {c}", customer_lang=langs[c],
        )  # fmt: skip
        order = SimOrder(base)
        steps = order.steps
        steps.append((placed, {"status": "paid", "updated_at": iso(placed)}))
        patience = rng.uniform(24, 72)
        if rng.random() < 0.03:  # pre-sale
            promised = placed + dt.timedelta(days=rng.uniform(3, 6))
            steps[0][1]["promised_ship_by"] = iso(promised)
            steps[0][1]["expected_ship_at"] = iso(promised)
            if rng.random() < 0.4:
                expected = promised + dt.timedelta(days=rng.uniform(2, 10))
                announced = max(placed + dt.timedelta(hours=1), promised - dt.timedelta(days=rng.uniform(1, 3)))
                steps.append((announced, {"expected_ship_at": iso(expected)}))
                order.problems.append(("presale_delay", promised + dt.timedelta(hours=rng.uniform(0, 48))))
                ship_at = expected
            else:
                ship_at = promised - dt.timedelta(hours=rng.uniform(0, 24))
        else:
            ship_at = placed + dt.timedelta(hours=rng.uniform(4, 36))
        carrier = rng.choice(["顺丰速运", "中通快递", "YTO Express", "韵达快递"])
        t = ship_at
        steps.append((t, {"status": "shipped", "carrier": carrier, "tracking_no": f"T{i:08d}", "shipped_at": iso(t),
                          "last_tracking_at": iso(t), "last_tracking_text": "picked up", "last_location": "Hangzhou"}))  # fmt: skip
        hops = rng.randint(3, 5)
        stall_at = rng.randrange(hops) if rng.random() < 0.08 else -1
        exception_at = 2 if rng.random() < 0.02 else -1
        for hop in range(hops):
            gap = rng.uniform(4, 20)
            if hop == stall_at:
                gap = rng.uniform(50, 120)
            if gap > patience:
                order.problems.append(("no_tracking_update", t + dt.timedelta(hours=patience)))
            t += dt.timedelta(hours=gap)
            if hop == exception_at:
                kind = rng.choice(["failed_delivery", "returned_to_sender"])
                steps.append((t, {"exception": kind, "last_tracking_at": iso(t), "last_tracking_text": kind}))
                order.problems.append(("delivery_exception", t + dt.timedelta(hours=rng.uniform(6, 24))))
                t += dt.timedelta(hours=rng.uniform(24, 48))
                steps.append((t, {"exception": None, "last_tracking_at": iso(t), "last_tracking_text": "redelivered"}))
                continue
            last = hop == hops - 1
            steps.append((t, {"last_tracking_at": iso(t), "last_tracking_text": "delivered" if last else f"hub {hop}",
                              **({"status": "delivered", "delivered_at": iso(t)} if last else {})}))  # fmt: skip
        if rng.random() < 0.03:
            refunded = t + dt.timedelta(hours=rng.uniform(1, 48))
            steps.append((refunded, {"status": "refunded", "refunded_at": iso(refunded), "refund_amount": base.total}))
        steps.sort(key=lambda step: step[0])
        order.times = [s[0] for s in steps]
        orders.append(order)
    return orders


class SimStore:
    """The store as the service sees it: order changes since a cursor (the time of the last look)."""

    def __init__(self, orders: list[SimOrder], clock: list[dt.datetime]) -> None:
        self._orders, self._clock = orders, clock

    def order_changes(self, cursor: str | None, limit: int = 500) -> OrderChanges:
        now = self._clock[0]
        since = dt.datetime.fromisoformat(cursor) if cursor else START - dt.timedelta(days=1)
        changed = [o.at(now) for o in self._orders if any(since < t <= now for t in o.times)]
        return OrderChanges([o for o in changed if o is not None], now.isoformat())  # one page: the benchmark's limit is moot

    def close(self) -> None:
        pass


async def week(orders: list[SimOrder], rng: random.Random, scan_every: dt.timedelta, stuck_hours: float | None = None) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        rules_path = ROOT / "proactive/rules.yml"
        if stuck_hours is not None:  # the same rules with the stuck parcel's threshold changed
            rules_path = Path(tmp) / "rules.yml"
            text = (ROOT / "proactive/rules.yml").read_text(encoding="utf-8")
            rules_path.write_text(text.replace("kind: no_tracking_update\n    hours: 48", f"kind: no_tracking_update\n    hours: {stuck_hours:g}"), encoding="utf-8")
            assert load_rules(rules_path).rules[0].hours == stuck_hours
        clock = [START]
        engine = make_engine(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        await migrate(engine)
        sessions = make_sessionmaker(engine)
        settings = Settings(
            environment="development", store_timezone="Asia/Shanghai", proactive_quiet_hours="22-8",
            proactive_rules_path=rules_path, proactive_default_channel="chat",
        )  # fmt: skip
        hub = EventHub()
        service = ProactiveService(
            sessions, hub, SimStore(orders, clock), settings,  # type: ignore[arg-type] - only order_changes is used
            clock=lambda: clock[0], delivery=Delivery(sessions, hub, settings, channels={}),
        )  # fmt: skip
        scans, scan_seconds = 0, 0.0
        while clock[0] <= START + WEEK:
            started = time.perf_counter()
            await service.scan()
            scan_seconds += time.perf_counter() - started
            scans += 1
            clock[0] += scan_every
        async with sessions() as session:
            alerts = (await session.scalars(select(ProactiveAlert))).all()
        await engine.dispose()
    sent = [a for a in alerts if a.outcome == "sent"]
    told = {(a.order_id, a.kind): a.sent_at.replace(tzinfo=dt.UTC) for a in sent}
    without = with_proactive = 0
    for order in orders:
        for kind, contact_at in order.problems:
            if contact_at > START + WEEK:
                continue
            without += 1
            when = told.get((order.base.order_id, kind))
            if when is None or when > contact_at or rng.random() < TOLD_STILL_CONTACT:
                with_proactive += 1
    pairs = [(a.order_id, a.rule_id) for a in sent]
    start, end = quiet_hours(settings.proactive_quiet_hours) or (0, 0)
    in_quiet = 0
    for a in sent:
        hour = a.sent_at.replace(tzinfo=dt.UTC).astimezone(ZONE).hour
        in_quiet += (start <= hour or hour < end) if start > end else (start <= hour < end)
    by_kind: dict[str, int] = {}
    for a in sent:
        by_kind[a.kind] = by_kind.get(a.kind, 0) + 1
    return {
        "orders": len(orders), "scans": scans, "mean_scan_seconds": scan_seconds / scans,
        "contacts_without": without, "contacts_with": with_proactive, "alerts_sent": len(sent), "by_kind": by_kind,
        "held_then_sent": sum(1 for a in sent if a.due_at is not None),
        "held_or_expired": sum(1 for a in alerts if a.outcome in ("deferred", "expired")),
        "duplicates": len(pairs) - len(set(pairs)), "sent_in_quiet_hours": in_quiet,
    }  # fmt: skip


async def scan_cost(n: int, rng: random.Random) -> dict[str, float]:
    """The scan of n open orders: the rules alone, and the service's whole pass on SQLite (read the
    kept orders, apply the rules, skip what was already sent) in steady state."""
    orders = [o for o in simulate_orders(n, rng)]
    now = START + dt.timedelta(days=4)
    states = [o.at(now) or o.base for o in orders]
    rules = load_rules(ROOT / "proactive/rules.yml")
    started = time.perf_counter()
    matches = sum(1 for _ in evaluate(rules, states, now, ZONE))
    engine_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        clock = [now]
        engine = make_engine(f"sqlite+aiosqlite:///{Path(tmp) / 'scan.db'}")
        await migrate(engine)
        sessions = make_sessionmaker(engine)
        settings = Settings(environment="development", proactive_quiet_hours="", proactive_rules_path=ROOT / "proactive/rules.yml",
                            proactive_default_channel="chat", proactive_daily_cap=1000)  # fmt: skip
        hub = EventHub()
        service = ProactiveService(sessions, hub, SimStore(orders, clock), settings, clock=lambda: clock[0],  # type: ignore[arg-type]
                                   delivery=Delivery(sessions, hub, settings, channels={}))  # fmt: skip
        # Steady state: every open order kept, everything due already sent (rows written in bulk here:
        # sending them one by one is the week's measure, not this one's), the store's cursor current.
        async with sessions() as session:
            await service._upsert(session, states)
            session.add_all([
                ProactiveAlert(rule_id=m.rule.id, kind=m.rule.kind, order_id=m.order.order_id, customer_id=m.order.customer_id,
                               lang="zh", outcome="sent", text="", choices=[], channels={}, created_at=now, sent_at=now)
                for m in evaluate(rules, states, now, ZONE)
            ])  # fmt: skip
            session.add(ScanCursor(name=CURSOR, value=now.isoformat(), updated_at=now))
            await session.commit()
        clock[0] += dt.timedelta(seconds=1)
        started = time.perf_counter()
        await service.scan()  # steady state: nothing changed, nothing new to send
        steady = time.perf_counter() - started
        await engine.dispose()
    return {"orders": n, "matches": matches, "rules_seconds": engine_seconds, "service_scan_seconds": steady}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scan-minutes", type=int, default=60)
    parser.add_argument("--scan-orders", type=int, default=10_000, help="orders for the scan-time measure (0: skip it)")
    parser.add_argument("--stuck-hours", type=float, default=None, help="the stuck-parcel rule's hours (default: rules.yml's)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    result = asyncio.run(week(simulate_orders(args.orders, rng), rng, dt.timedelta(minutes=args.scan_minutes), args.stuck_hours))
    stuck = f", stuck rule at {args.stuck_hours:g} h" if args.stuck_hours is not None else ""
    print(f"simulated week: {result['orders']} orders, {result['scans']} scans (every {args.scan_minutes} min{stuck}), "
          f"{time.perf_counter() - started:.1f} s of wall time")  # fmt: skip
    without, with_ = int(result["contacts_without"]), int(result["contacts_with"])  # type: ignore[call-overload]
    print(f"  'where is my order' contacts without proactive messages: {without}")
    print(f"  'where is my order' contacts with proactive messages:    {with_} ({(without - with_) / max(without, 1):.0%} fewer)")
    print(f"  alerts sent: {result['alerts_sent']} {result['by_kind']}")
    print(f"  held for quiet hours or the daily cap, then sent: {result['held_then_sent']}; expired or still held: {result['held_or_expired']}")
    print(f"  duplicates (same order and rule twice): {result['duplicates']}")
    print(f"  messages sent in quiet hours (22-8 Asia/Shanghai): {result['sent_in_quiet_hours']}")
    print(f"  mean scan (changes read, rules, sends) per hourly pass: {float(result['mean_scan_seconds']) * 1000:.0f} ms")  # type: ignore[arg-type]
    if not args.scan_orders:
        return
    cost = asyncio.run(scan_cost(args.scan_orders, random.Random(args.seed + 1)))
    per10k = 10_000 / cost["orders"]
    print(f"scan time per 10k open orders: rules alone {cost['rules_seconds'] * per10k * 1000:.0f} ms "
          f"({int(cost['matches'])} matches among {int(cost['orders'])}); the service's steady-state pass on SQLite "
          f"{cost['service_scan_seconds'] * per10k * 1000:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
