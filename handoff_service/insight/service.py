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

from handoff_service.core.models import Agent
from handoff_service.insight import record
from handoff_service.insight.facts import FCR_DAYS, ChatFacts, chat_facts, mark_first_contact_resolution
from handoff_service.insight.metrics import CONVERSION_HOURS, PlacedOrder, compare, figures, in_business_hours
from handoff_service.insight.periods import Period

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
    rows = record.chats(connection, start, after)
    grouped = record.by_chat(record.events(connection, start, after))
    facts = [chat_facts(chat, grouped.get(chat.id, [])) for chat in rows]
    inside = [f for f in facts if f.created_at < end]
    later = [f for f in facts if f.created_at >= end]
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
        """The period, the one before, and the change of each headline figure."""
        current = await self.figures(period, business_hours_only)
        previous = await self.figures(period.previous(), business_hours_only)
        names = await self.agent_names()
        for row_key, row in list(current["by_agent"].items()):
            row["name"] = names.get(int(row_key), row_key)
        return {"current": current, "previous_period": previous["period"], "comparison": compare(current, previous)}

    async def agent_names(self) -> dict[int, str]:
        async with self._engine.connect() as connection:
            rows = await connection.execute(select(Agent.id, Agent.display_name))
            return {agent_id: name for agent_id, name in rows}
