"""A period's figures, summed from its chats' facts (facts.py) and ratings, with breakdowns by
day, weekday × hour, language, agent, escalation reason and topic.

Conversion: a chat of a known customer converts when that customer placed an order within 24 h
after the chat began (orders from the store adapter). Returns avoided: of the returns agents
started in the period's chats, those that became an exchange or keep-with-coupon, not a refund.
CSAT is the share of 4-5 ratings (and the mean); NPS is promoters (9-10) minus detractors (0-6)
in percent of the answers."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import fmean as mean  # statistics.mean sums exact fractions: 10x slower
from typing import Any

from handoff_service.core.models import as_utc
from handoff_service.insight.facts import ChatFacts
from handoff_service.insight.periods import Period
from handoff_service.insight.record import Rating

CONVERSION_HOURS = 24
AVOIDED = ("exchange", "keep_with_coupon")
FRT_BUCKETS = [(0, 30, "<30s"), (30, 60, "30-60s"), (60, 120, "1-2m"), (120, 300, "2-5m"), (300, 600, "5-10m"), (600, None, ">10m")]


@dataclass(frozen=True)
class PlacedOrder:
    customer_id: str
    created_at: dt.datetime
    total: float


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100): a figure that was really observed."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return round(ordered[int(rank) - 1], 1)


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def csat_figures(scores: list[int]) -> dict[str, Any]:
    return {
        "answers": len(scores),
        "mean": round(mean(scores), 2) if scores else None,
        "satisfied": share(sum(1 for s in scores if s >= 4), len(scores)),
    }


def nps_figures(scores: list[int]) -> dict[str, Any]:
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return {
        "answers": len(scores),
        "promoters": promoters,
        "detractors": detractors,
        "nps": round(100 * (promoters - detractors) / len(scores), 1) if scores else None,
    }


def converted(chats: Iterable[ChatFacts], orders: list[PlacedOrder]) -> set[str]:
    """The chats followed by their customer's order within 24 h."""
    by_customer: dict[str, list[dt.datetime]] = defaultdict(list)
    for order in orders:
        by_customer[order.customer_id].append(as_utc(order.created_at))
    window = dt.timedelta(hours=CONVERSION_HOURS)
    return {
        chat.id
        for chat in chats
        if chat.customer_id and any(chat.created_at <= at <= chat.created_at + window for at in by_customer.get(chat.customer_id, ()))
    }


def in_business_hours(chat: ChatFacts, period: Period, opening: int, closing: int) -> bool:
    return opening <= period.local(chat.created_at).hour < closing


def figures(
    period: Period,
    chats: list[ChatFacts],
    ratings: list[Rating],
    returns: list[tuple[str, str]],
    orders: list[PlacedOrder],
) -> dict[str, Any]:
    """Every headline figure of the period, and its breakdowns."""
    ids = {c.id for c in chats}
    ratings = [r for r in ratings if r.conversation_id in ids]
    csat = [r for r in ratings if r.kind == "csat"]
    nps = [r.score for r in ratings if r.kind == "nps"]
    returns = [r for r in returns if r[0] in ids]
    sold = converted(chats, orders)
    known = [c for c in chats if c.customer_id]
    escalated = [c for c in chats if c.escalated]
    waits = [w for c in chats for w in c.waits]
    frts = [f for c in chats for f, _ in c.frts]
    nrts = [n for c in chats for n in c.nrts]
    handled = [c.handle_seconds for c in chats if c.handle]
    episodes = sum(len(c.escalations) for c in chats)
    return {
        "period": period.public(),
        "conversations": len(chats),
        "demo_conversations": sum(1 for c in chats if c.demo),
        "messages": message_counts(chats),
        "containment": share(sum(1 for c in chats if c.contained), len(chats)),
        "escalated": len(escalated),
        "escalations": episodes,
        "reopened": sum(1 for c in chats if c.reopened),
        "transfers": sum(c.transfers for c in chats),
        "escalation_reasons": dict(Counter(r for c in chats for r in c.escalations).most_common()),
        "wait_seconds": {"p50": percentile(waits, 50), "p90": percentile(waits, 90)},
        "abandoned_in_queue": sum(1 for c in chats if c.abandoned_in_queue),
        "abandonment": share(sum(1 for c in chats if c.abandoned_in_queue), episodes),
        "first_response_seconds": {"p50": percentile(frts, 50), "p90": percentile(frts, 90), "count": len(frts)},
        "next_response_seconds": {"p50": percentile(nrts, 50), "p90": percentile(nrts, 90), "count": len(nrts)},
        "handle_seconds": {"p50": percentile(handled, 50), "p90": percentile(handled, 90), "mean": round(mean(handled), 1) if handled else None},
        "resolution": share(sum(1 for c in chats if c.resolved), len(chats)),
        "first_contact_resolution": share(sum(1 for c in chats if c.fcr), len(chats)),
        "csat": {**csat_figures([r.score for r in csat]), "by_context": {
            ctx: csat_figures([r.score for r in csat if r.context == ctx]) for ctx in sorted({r.context for r in csat})
        }},
        "nps": nps_figures(nps),
        "conversion": {"chats_with_customer": len(known), "converted": len(sold), "rate": share(len(sold), len(known))},
        "returns": {
            "started": len(returns),
            "avoided": sum(1 for _, kind in returns if kind in AVOIDED),
            "rate_avoided": share(sum(1 for _, kind in returns if kind in AVOIDED), len(returns)),
        },
        "frt_distribution": frt_distribution(frts),
        "by_day": by_day(period, chats, csat),
        "heatmap": heatmap(period, chats),
        "by_lang": breakdown(chats, csat, sold, lambda c: c.lang),
        "by_agent": breakdown([c for c in chats if c.agent_id is not None], csat, sold, lambda c: str(c.agent_id)),
        "by_topic": breakdown(chats, csat, sold, lambda c: c.topic),
    }


def message_counts(chats: list[ChatFacts]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for chat in chats:
        total.update(chat.messages)
    return dict(total)


def frt_distribution(frts: list[float]) -> list[dict[str, Any]]:
    return [
        {"bucket": name, "count": sum(1 for f in frts if low <= f and (high is None or f < high))}
        for low, high, name in FRT_BUCKETS
    ]


def by_day(period: Period, chats: list[ChatFacts], csat: list[Rating]) -> list[dict[str, Any]]:
    day_of = {c.id: period.local(c.created_at).date() for c in chats}
    rows: dict[dt.date, dict[str, Any]] = {
        period.first + dt.timedelta(days=i): {"chats": 0, "contained": 0, "escalated": 0, "csat": []} for i in range(period.days)
    }
    for chat in chats:
        row = rows[day_of[chat.id]]
        row["chats"] += 1
        row["contained"] += chat.contained
        row["escalated"] += chat.escalated
    for rating in csat:
        rows[day_of[rating.conversation_id]]["csat"].append(rating.score)
    return [
        {
            "day": day.isoformat(), "chats": r["chats"], "escalated": r["escalated"],
            "containment": share(r["contained"], r["chats"]), "csat": csat_figures(r["csat"])["satisfied"],
        }
        for day, r in rows.items()
    ]


def heatmap(period: Period, chats: list[ChatFacts]) -> list[list[int]]:
    """Chats begun per local weekday (0 = Monday) × hour: for planning shifts."""
    grid = [[0] * 24 for _ in range(7)]
    for chat in chats:
        local = period.local(chat.created_at)
        grid[local.weekday()][local.hour] += 1
    return grid


def breakdown(chats: list[ChatFacts], csat: list[Rating], sold: set[str], key: Any) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[ChatFacts]] = defaultdict(list)
    for chat in chats:
        groups[key(chat)].append(chat)
    scores: dict[str, list[int]] = defaultdict(list)
    chat_group = {c.id: key(c) for c in chats}
    for rating in csat:
        if rating.conversation_id in chat_group:
            scores[chat_group[rating.conversation_id]].append(rating.score)
    out = {}
    for name, members in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        frts = [f for c in members for f, _ in c.frts]
        handled = [c.handle_seconds for c in members if c.handle]
        known = [c for c in members if c.customer_id]
        out[name] = {
            "chats": len(members),
            "escalated": sum(1 for c in members if c.escalated),
            "containment": share(sum(1 for c in members if c.contained), len(members)),
            "resolution": share(sum(1 for c in members if c.resolved), len(members)),
            "first_contact_resolution": share(sum(1 for c in members if c.fcr), len(members)),
            "first_response_p50": percentile(frts, 50),
            "handle_mean": round(mean(handled), 1) if handled else None,
            "csat": csat_figures(scores[name]),
            "conversion": share(sum(1 for c in known if c.id in sold), len(known)),
        }
    return out


def compare(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """The headline figures' change against the previous period (None where either is unknown)."""
    def pick(figs: dict[str, Any]) -> dict[str, float | None]:
        return {
            "conversations": figs["conversations"],
            "containment": figs["containment"],
            "first_response_p50": figs["first_response_seconds"]["p50"],
            "first_response_p90": figs["first_response_seconds"]["p90"],
            "handle_p50": figs["handle_seconds"]["p50"],
            "resolution": figs["resolution"],
            "first_contact_resolution": figs["first_contact_resolution"],
            "csat": figs["csat"]["satisfied"],
            "nps": figs["nps"]["nps"],
            "conversion": figs["conversion"]["rate"],
            "abandonment": figs["abandonment"],
        }

    now, before = pick(current), pick(previous)
    return {
        key: {"now": now[key], "before": before[key], "change": None if now[key] is None or before[key] is None else round(now[key] - before[key], 4)}
        for key in now
    }
