"""The insight room's entry point: a period's figures, its chats for a drill-down, the agents'
names, read from the database on every call (the same on every replica, after any restart)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff_service.core.errors import NotFound
from handoff_service.core.models import Agent, Conversation, Event, iso_utc
from handoff_service.insight import record
from handoff_service.insight.facts import (
    FCR_DAYS,
    ChatFacts,
    chat_facts,
    mark_first_contact_resolution,
)
from handoff_service.insight.metrics import (
    CONVERSION_HOURS,
    FRT_BUCKETS,
    PlacedOrder,
    compare,
    figures,
    in_business_hours,
)
from handoff_service.insight.periods import Period
from handoff_service.insight.qa import sample
from handoff_service.insight.scorecard import scorecards
from store.client import StoreClient, parse_time

log = logging.getLogger(__name__)

# The store's orders placed between two instants (the store adapter's `orders_placed`).
OrderSource = Callable[[dt.datetime, dt.datetime], list[PlacedOrder]]


@dataclass
class PeriodRecord:
    period: Period
    chats: list[ChatFacts]
    ratings: list[record.Rating]
    returns: list[tuple[str, str]]
    orders: list[PlacedOrder]


def read_period(connection: Connection, period: Period) -> tuple[list[ChatFacts], list[record.Rating], list[tuple[str, str]]]:
    """The period's chats as facts (FCR looked up in the 7 days after), their ratings and returns."""
    start, end = period.start, period.end
    after = end + dt.timedelta(days=FCR_DAYS)
    grouped = record.by_chat(record.events(connection, start, end))
    inside = [chat_facts(chat, grouped.get(chat.id, [])) for chat in record.chats(connection, start, end)]
    # the week after only for repeat contacts: their topics, from moves and bot answers alone
    grouped = record.by_chat(record.events(connection, end, after, topic_only=True))
    later = [chat_facts(chat, grouped.get(chat.id, [])) for chat in record.chats(connection, end, after)]
    mark_first_contact_resolution(inside, later)
    return inside, record.ratings(connection, start, end), record.returns(connection, start, end)


class InsightService:
    def __init__(
        self,
        engine: AsyncEngine,
        orders: OrderSource | None = None,
        timezone: str = "Asia/Shanghai",
        business_hours: tuple[int, int] = (0, 24),
    ) -> None:
        self._engine = engine
        self._orders = orders
        self.timezone = timezone
        self.business_hours = business_hours

    async def load(self, period: Period, business_hours_only: bool = False) -> PeriodRecord:
        async with self._engine.connect() as connection:
            chats, ratings, returns = await connection.run_sync(read_period, period)
        if business_hours_only:
            opening, closing = self.business_hours
            chats = [c for c in chats if in_business_hours(c, period, opening, closing)]
        return PeriodRecord(period, chats, ratings, returns, await self._placed(period))

    async def _placed(self, period: Period) -> list[PlacedOrder]:
        if self._orders is None:
            return []
        try:
            return await asyncio.to_thread(self._orders, period.start, period.end + dt.timedelta(hours=CONVERSION_HOURS))
        except Exception as exc:  # noqa: BLE001 - the store is another system: its failure costs one figure
            log.warning("insight.orders.unavailable", extra={"error": str(exc)})
            return []

    async def figures(self, period: Period, business_hours_only: bool = False) -> dict[str, Any]:
        data = await self.load(period, business_hours_only)
        out = figures(period, data.chats, data.ratings, data.returns, data.orders)
        out["business_hours_only"] = business_hours_only
        return out

    async def dashboard(self, period: Period, business_hours_only: bool = False) -> dict[str, Any]:
        """The period, the one before, and the change of each headline figure (both read in one pass)."""
        before = period.previous()
        data = await self.load(Period(before.first, period.last, period.timezone), business_hours_only)
        split = period.start
        current = figures(
            period, [c for c in data.chats if c.created_at >= split], data.ratings, data.returns, data.orders
        )
        previous = figures(before, [c for c in data.chats if c.created_at < split], data.ratings, data.returns, data.orders)
        current["business_hours_only"] = business_hours_only
        names = await self.agent_names()
        for row_key, row in list(current["by_agent"].items()):
            row["name"] = names.get(int(row_key), row_key)
        return {"current": current, "previous_period": previous["period"], "comparison": compare(current, previous)}

    async def drill(self, period: Period, filters: dict[str, str], limit: int = 200) -> dict[str, Any]:
        """The chats behind one mark of a chart (a day, a weekday × hour cell, a reason, a topic, an
        agent, a language, an FRT bucket, low CSAT), newest first."""
        data = await self.load(period, filters.get("business_hours") == "true")
        low = {r.conversation_id for r in data.ratings if r.kind == "csat" and r.score <= 2}
        score = {r.conversation_id: r.score for r in data.ratings if r.kind == "csat"}
        buckets = {name: (lo, hi) for lo, hi, name in FRT_BUCKETS}

        def keep(chat: ChatFacts) -> bool:
            local = period.local(chat.created_at)
            checks = {
                "day": lambda v: local.date().isoformat() == v,
                "weekday": lambda v: str(local.weekday()) == v,
                "hour": lambda v: str(local.hour) == v,
                "reason": lambda v: v in chat.escalations,
                "topic": lambda v: chat.topic == v,
                "agent": lambda v: str(chat.agent_id) == v,
                "lang": lambda v: chat.lang == v,
                "escalated": lambda v: chat.escalated == (v == "true"),
                "low_csat": lambda v: (chat.id in low) == (v == "true"),
                "frt": lambda v: v in buckets and any(
                    buckets[v][0] <= f and (buckets[v][1] is None or f < buckets[v][1]) for f, _ in chat.frts
                ),
            }
            return all(check(filters[key]) for key, check in checks.items() if key in filters)

        chosen = sorted((c for c in data.chats if keep(c)), key=lambda c: c.created_at, reverse=True)
        names = await self.agent_names()
        return {
            "total": len(chosen),
            "chats": [
                {
                    "conversation_id": c.id, "created_at": iso_utc(c.created_at), "lang": c.lang, "state": c.state,
                    "topic": c.topic, "escalations": c.escalations, "agent": names.get(c.agent_id or 0),
                    "csat": score.get(c.id), "resolved": c.resolved, "demo": c.demo,
                }
                for c in chosen[:limit]
            ],
        }

    async def transcript(self, conversation_id: str) -> dict[str, Any]:
        async with self._engine.connect() as connection:
            conv = (await connection.execute(select(Conversation).where(Conversation.id == conversation_id))).first()
            if conv is None:
                raise NotFound(f"no conversation {conversation_id!r}")
            rows = (await connection.execute(
                select(Event).where(Event.conversation_id == conversation_id).order_by(Event.id)
            )).all()  # fmt: skip
        return {
            "conversation_id": conversation_id, "lang": conv.lang, "state": conv.state, "demo": conv.token_hash == record.DEMO_TOKEN,
            "events": [
                {"kind": e.kind, "sender": e.sender, "text": e.text, "created_at": iso_utc(e.created_at),
                 "state": (e.payload or {}).get("state"), "score": (e.payload or {}).get("score")}
                for e in rows if e.kind in ("message", "state", "csat", "nps")
            ],
        }  # fmt: skip

    async def scorecards(self, period: Period, weights: dict[str, float], target_seconds: float) -> list[dict[str, Any]]:
        data = await self.load(period)
        names = await self.agent_names()
        total = sum(weights.values()) or 1.0
        cards = scorecards(data.chats, data.ratings, data.orders, {k: v / total for k, v in weights.items()}, target_seconds)
        return [{**card, "name": names.get(agent, str(agent))} for agent, card in cards.items()]

    async def qa_queue(self, period: Period, reviewed: set[str], long_handle: float, share: float) -> list[dict[str, Any]]:
        data = await self.load(period)
        names = await self.agent_names()
        return [{**item, "agent": names.get(item["agent_id"])} for item in sample(data.chats, data.ratings, reviewed, long_handle, share)]

    async def agent_names(self) -> dict[int, str]:
        async with self._engine.connect() as connection:
            rows = await connection.execute(select(Agent.id, Agent.display_name))
            return {agent_id: name for agent_id, name in rows}


def store_orders(store: StoreClient) -> OrderSource:
    """The store adapter's orders as the figures read them."""

    def placed(since: dt.datetime, until: dt.datetime) -> list[PlacedOrder]:
        return [PlacedOrder(o.customer_id, parse_time(o.created_at), o.total) for o in store.orders_placed(since, until)]

    return placed
