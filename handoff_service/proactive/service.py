"""Proactive service: orders in (the store's webhook, the periodic scan), rules applied, alerts out
(into the shopper's chat thread and through their channel) under the shopper's preferences, quiet
hours, a daily cap and at most one message per order and rule, each logged with its outcome."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff_service.core.hub import EventHub
from handoff_service.core.models import (
    ProactiveAlert,
    ProactivePreference,
    ScanCursor,
    TrackedOrder,
    utcnow,
)
from handoff_service.proactive import policy
from handoff_service.proactive.delivery import Delivery
from handoff_service.proactive.engine import Match, evaluate, meets
from handoff_service.proactive.report import (
    Planned,
    ScanReport,
    alert_public,
    as_time,
    order_from,
)
from handoff_service.proactive.rules import Rule, RuleSet, load_rules
from handoff_service.settings import Settings
from store.client import OrderTracking, StoreClient

log = logging.getLogger(__name__)
CURSOR = "store"


class ProactiveService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        hub: EventHub,
        store: StoreClient,
        settings: Settings,
        clock: Callable[[], dt.datetime] | None = None,
        delivery: Delivery | None = None,
    ) -> None:
        self._sessions, self._store, self._settings = sessions, store, settings
        self._clock = clock or utcnow
        self.zone = ZoneInfo(settings.store_timezone)
        self.delivery = delivery or Delivery(sessions, hub, settings)
        self._rules: tuple[float, Path, RuleSet] | None = None
        self._lock = asyncio.Lock()

    def now(self) -> dt.datetime:
        return self._clock()

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self._sessions

    async def set_preference(self, customer_id: str, opt_out: bool, channel: str, email: str | None, phone: str | None) -> dict[str, Any]:
        """A customer's wish (told to an agent, or `kefu alerts prefs`): no alerts, or which channel."""
        async with self._sessions() as session:
            pref = await session.get(ProactivePreference, customer_id)
            if pref is None:
                pref = ProactivePreference(customer_id=customer_id)
                session.add(pref)
            pref.opt_out, pref.channel, pref.email, pref.phone, pref.updated_at = opt_out, channel, email, phone, self.now()
            await session.commit()
            return {"customer_id": customer_id, "opt_out": opt_out, "channel": channel, "email": email, "phone": phone}

    @property
    def rules(self) -> RuleSet:
        """The rules file, read again when it changed (a store edits it without a restart); RulesError if invalid."""
        path = self._settings.proactive_rules_path
        if not path.is_absolute():
            path = self._settings.project_dir / path
        mtime = path.stat().st_mtime if path.exists() else -1.0
        if self._rules is None or self._rules[:2] != (mtime, path):
            self._rules = (mtime, path, load_rules(path, self._settings.coupon_limit_bot))
        return self._rules[2]

    # --- orders in ----------------------------------------------------------------------------

    async def _upsert(self, session: AsyncSession, orders: Iterable[OrderTracking]) -> None:
        for order in orders:
            data = dataclasses.asdict(order)
            columns = {
                "customer_id": order.customer_id, "status": order.status, "data": data, "updated_at": self.now(),
                "last_tracking_at": as_time(order.last_tracking_at), "shipped_at": as_time(order.shipped_at),
                "refunded_at": as_time(order.refunded_at), "flagged": bool(order.exception or order.promised_ship_by),
            }  # fmt: skip
            row = await session.get(TrackedOrder, order.order_id)
            if row is None:
                session.add(TrackedOrder(order_id=order.order_id, **columns))
            else:
                for name, value in columns.items():
                    setattr(row, name, value)

    async def pull(self, limit: int = 500) -> tuple[list[OrderTracking], str | None]:
        """What changed in the store since the saved cursor (not saved yet)."""
        async with self._sessions() as session:
            saved = await session.get(ScanCursor, CURSOR)
            cursor = saved.value if saved else None
        changed: list[OrderTracking] = []
        while True:
            page = await asyncio.to_thread(self._store.order_changes, cursor, limit)
            changed += page.orders
            if len(page.orders) < limit or page.cursor == cursor:
                return changed, page.cursor
            cursor = page.cursor

    async def scan(self, dry_run: bool = False) -> ScanReport:
        """One pass: read the store's changes, apply the rules to every open order, send what is due
        (and deferred alerts whose time came). With `dry_run` nothing is written or sent."""
        started = time.perf_counter()
        async with self._lock:
            rules = self.rules
            changed, cursor = await self.pull()
            report = ScanReport(orders_read=len(changed), cursor=cursor)
            if not dry_run:
                async with self._sessions() as session:
                    await self._upsert(session, changed)
                    if cursor is not None:
                        saved = await session.get(ScanCursor, CURSOR)
                        if saved is None:
                            session.add(ScanCursor(name=CURSOR, value=cursor, updated_at=self.now()))
                        else:
                            saved.value, saved.updated_at = cursor, self.now()
                    await session.commit()
            orders = await self._open_orders(changed, rules)
            report.orders_checked = len(orders)
            now = self.now()
            report.alerts += await self._send_all(evaluate(rules, orders, now, self.zone), dry_run)
            if not dry_run:
                report.alerts += await self._send_deferred(rules)
        report.seconds = time.perf_counter() - started
        log.info("proactive.scan.done", extra={k: v for k, v in report.public().items() if k != "alerts"})
        return report

    async def ingest(self, orders: list[OrderTracking]) -> ScanReport:
        """Orders the store pushed (its webhook): kept, and the rules applied to them at once."""
        started = time.perf_counter()
        async with self._lock:
            async with self._sessions() as session:
                await self._upsert(session, orders)
                await session.commit()
            rules = self.rules  # after keeping the orders: rules that do not validate lose no event
            report = ScanReport(orders_read=len(orders), orders_checked=len(orders))
            report.alerts += await self._send_all(evaluate(rules, orders, self.now(), self.zone), dry_run=False)
        report.seconds = time.perf_counter() - started
        return report

    async def _open_orders(self, changed: list[OrderTracking], rules: RuleSet) -> list[OrderTracking]:
        """The kept orders some rule may speak about now and has not yet, found by the indexed columns
        (a parcel silent long enough, shipped or refunded recently, an exception or a pre-sale promise),
        with what this pass read from the store taking precedence over what was kept."""
        now = self.now()
        kinds: dict[str, list[Rule]] = {}
        for rule in rules.active:
            kinds.setdefault(rule.kind, []).append(rule)

        def unsent(of_kind: list[Rule]) -> Any:
            return or_(*(~exists().where(ProactiveAlert.order_id == TrackedOrder.order_id, ProactiveAlert.rule_id == r.id) for r in of_kind))

        wanted = []
        if stuck := kinds.get("no_tracking_update"):
            wanted.append(and_(TrackedOrder.status == "shipped", TrackedOrder.last_tracking_at < now - dt.timedelta(hours=min(r.hours for r in stuck)), unsent(stuck)))
        if shipped := kinds.get("shipped"):
            wanted.append(and_(TrackedOrder.status == "shipped", TrackedOrder.shipped_at >= now - dt.timedelta(hours=max(r.max_age_hours for r in shipped)), unsent(shipped)))
        if refunded := kinds.get("refund_completed"):
            wanted.append(and_(TrackedOrder.refunded_at >= now - dt.timedelta(hours=max(r.max_age_hours for r in refunded)), unsent(refunded)))
        flagged = kinds.get("delivery_exception", []) + kinds.get("presale_delay", [])
        if flagged:
            wanted.append(and_(TrackedOrder.flagged.is_(True), TrackedOrder.status.in_(("paid", "shipped")), unsent(flagged)))
        rows: list[dict[str, Any]] = []
        if wanted:
            async with self._sessions() as session:
                rows = list((await session.scalars(select(TrackedOrder.data).where(or_(*wanted)))).all())
        by_id = {data["order_id"]: order_from(data) for data in rows}
        by_id.update({o.order_id: o for o in changed})
        return list(by_id.values())

    # --- alerts out ---------------------------------------------------------------------------

    async def _send_all(self, matches: Iterable[Match], dry_run: bool) -> list[Planned]:
        matches = list(matches)
        if not matches:
            return []
        async with self._sessions() as session:
            taken = set(
                (
                    await session.execute(
                        select(ProactiveAlert.order_id, ProactiveAlert.rule_id).where(
                            ProactiveAlert.order_id.in_({m.order.order_id for m in matches})
                        )
                    )
                ).all()
            )
        planned = []
        for match in matches:
            if (match.order.order_id, match.rule.id) in taken:
                continue  # sent (or held) before: at most one per order and rule
            planned.append(await self._send(match, dry_run))
        return planned

    async def _gate(self, session: AsyncSession, customer_id: str, now: dt.datetime) -> tuple[str, str | None, dt.datetime | None, ProactivePreference | None]:
        """(outcome, reason, due) by the customer's preference, the quiet hours and the daily cap."""
        pref = await session.get(ProactivePreference, customer_id)
        if pref is not None and pref.opt_out:
            return "opted_out", "the customer opted out of proactive messages", None, pref
        if until := policy.quiet_until(now, self._settings.proactive_quiet_hours, self.zone):
            return "deferred", f"quiet hours ({self._settings.proactive_quiet_hours} {self._settings.store_timezone})", until, pref
        sent_today = await session.scalar(
            select(func.count()).select_from(ProactiveAlert).where(
                ProactiveAlert.customer_id == customer_id, ProactiveAlert.outcome == "sent",
                ProactiveAlert.sent_at >= policy.day_start(now, self.zone),
            )  # fmt: skip
        )
        if (sent_today or 0) >= self._settings.proactive_daily_cap:
            return "deferred", f"daily cap of {self._settings.proactive_daily_cap} reached", policy.next_day(now, self.zone), pref
        return "send", None, None, pref

    async def _send(self, match: Match, dry_run: bool) -> Planned:
        order, rule, now = match.order, match.rule, self.now()
        lang = "en" if order.customer_lang == "en" else "zh"
        text = match.text(lang)
        choices = [
            {"id": c.id, "action": c.action, "label": c.label.get(lang), "amount": c.amount, "remedy": c.remedy} for c in rule.choices
        ]
        planned = Planned(rule.id, rule.kind, order.order_id, order.customer_id, "would_send", text=text)
        async with self._sessions() as session:
            outcome, reason, due, pref = await self._gate(session, order.customer_id, now)
            if dry_run:
                planned.outcome = "would_send" if outcome == "send" else outcome
                planned.reason = reason
                return planned
            alert = ProactiveAlert(
                rule_id=rule.id, kind=rule.kind, order_id=order.order_id, customer_id=order.customer_id, lang=lang,
                outcome="sending" if outcome == "send" else outcome, reason=reason, due_at=due, text=text, choices=choices,
                channels={}, created_at=now,
            )  # fmt: skip
            session.add(alert)
            try:
                await session.commit()
            except IntegrityError:  # another replica (or the webhook) took this order and rule first
                await session.rollback()
                planned.outcome, planned.reason = "duplicate", "already sent for this order and rule"
                return planned
            planned.alert_id = alert.id
        if outcome != "send":
            planned.outcome, planned.reason = outcome, reason
            return planned
        return await self._deliver(planned, alert.id, order, pref)

    async def _deliver(self, planned: Planned, alert_id: int, order: OrderTracking, pref: ProactivePreference | None) -> Planned:
        result = await self.delivery.deliver(alert_id, order, pref, self.now())
        planned.outcome, planned.reason = result.outcome, result.reason
        planned.conversation_id, planned.channels = result.conversation_id, result.channels
        return planned

    async def _send_deferred(self, rules: RuleSet) -> list[Planned]:
        """Alerts held for quiet hours or the cap whose time came: sent if still true, else expired."""
        now = self.now()
        async with self._sessions() as session:
            due = (
                await session.scalars(
                    select(ProactiveAlert).where(ProactiveAlert.outcome == "deferred", ProactiveAlert.due_at <= now).order_by(ProactiveAlert.id).limit(500)
                )
            ).all()
        done = []
        for held in due:
            async with self._sessions() as session:
                alert = await session.get(ProactiveAlert, held.id)
                tracked = await session.get(TrackedOrder, held.order_id)
                if alert is None or alert.outcome != "deferred":
                    continue
                rule = rules.rule(alert.rule_id)
                order = order_from(tracked.data) if tracked else None
                planned = Planned(alert.rule_id, alert.kind, alert.order_id, alert.customer_id, "expired", alert_id=alert.id, text=alert.text)
                if rule is None or order is None or not meets(rule, order, now):
                    alert.outcome, alert.reason = "expired", "no longer true when its time came"
                    await session.commit()
                    planned.reason = alert.reason
                    done.append(planned)
                    continue
                outcome, reason, due_at, pref = await self._gate(session, alert.customer_id, now)
                if outcome != "send":
                    alert.outcome, alert.reason, alert.due_at = outcome, reason, due_at
                    await session.commit()
                    planned.outcome, planned.reason = outcome, reason
                    done.append(planned)
                    continue
                alert.outcome = "sending"
                await session.commit()
            done.append(await self._deliver(planned, held.id, order, pref))
        return done

    # --- what staff see -----------------------------------------------------------------------

    async def alerts_for(self, customer_id: str, limit: int = 50) -> list[dict[str, Any]]:
        async with self._sessions() as session:
            rows = (
                await session.scalars(
                    select(ProactiveAlert).where(ProactiveAlert.customer_id == customer_id).order_by(ProactiveAlert.id.desc()).limit(limit)
                )
            ).all()
        return [alert_public(a) for a in rows]
