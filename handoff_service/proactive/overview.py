"""The supervisors' view of proactive service: parcels stuck now, alerts sent today, what shoppers
replied and chose."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff_service.core.models import Event, ProactiveAlert, TrackedOrder, iso_utc
from handoff_service.proactive import policy
from handoff_service.proactive.report import alert_public, order_from
from handoff_service.proactive.rules import RuleSet


async def overview(
    sessions: async_sessionmaker[AsyncSession], rules: RuleSet | None, now: dt.datetime, zone: ZoneInfo
) -> dict[str, Any]:
    stuck_rule = next((r for r in (rules.active if rules else []) if r.kind == "no_tracking_update"), None)
    hours = stuck_rule.hours if stuck_rule else 48.0
    today = policy.day_start(now, zone)
    async with sessions() as session:
        stuck_rows = (
            await session.scalars(
                select(TrackedOrder).where(
                    TrackedOrder.status == "shipped", TrackedOrder.last_tracking_at < now - dt.timedelta(hours=hours)
                ).order_by(TrackedOrder.last_tracking_at).limit(200)
            )
        ).all()
        told = dict(
            (
                await session.execute(
                    select(ProactiveAlert.order_id, ProactiveAlert.outcome).where(
                        ProactiveAlert.order_id.in_([r.order_id for r in stuck_rows]), ProactiveAlert.kind == "no_tracking_update"
                    )
                )
            ).all()
        )
        today_alerts = (
            await session.scalars(
                select(ProactiveAlert).where(ProactiveAlert.created_at >= today).order_by(ProactiveAlert.id.desc()).limit(500)
            )
        ).all()
        chosen = (
            await session.scalars(
                select(ProactiveAlert).where(ProactiveAlert.choice.is_not(None)).order_by(ProactiveAlert.chosen_at.desc()).limit(100)
            )
        ).all()
        replied = (
            await session.scalar(
                select(func.count(func.distinct(ProactiveAlert.id)))
                .select_from(ProactiveAlert)
                .join(Event, Event.conversation_id == ProactiveAlert.conversation_id)
                .where(ProactiveAlert.sent_at >= today, Event.sender == "shopper", Event.created_at > ProactiveAlert.sent_at)
            )
            or 0
        )
    stuck = []
    for row in stuck_rows:
        order = order_from(row.data)
        if order.exception or order.delivered_at:
            continue
        stuck.append({
            "order_id": order.order_id, "customer_id": order.customer_id, "customer_name": order.customer_name,
            "carrier": order.carrier, "tracking_no": order.tracking_no, "last_update": order.last_tracking_text,
            "last_location": order.last_location, "last_tracking_at": iso_utc(row.last_tracking_at),
            "hours": round(order.hours_without_update(now) or 0, 1), "alert": told.get(order.order_id),
        })  # fmt: skip
    counts: dict[str, int] = {}
    for alert in today_alerts:
        counts[alert.outcome] = counts.get(alert.outcome, 0) + 1
    return {
        "stuck_hours": hours,
        "stuck": stuck,
        "today": {"counts": counts, "replied": replied, "alerts": [alert_public(a) for a in today_alerts]},
        "choices": [alert_public(a) for a in chosen],
    }
