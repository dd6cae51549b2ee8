"""Which rules an order meets now, and the message each one makes: pure functions of the order,
the rules and the clock, so the scan, the webhook, the CLI's dry run and the benchmark agree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from handoff_service.proactive.rules import Rule, RuleSet
from store.client import OrderTracking, parse_time

EXCEPTION_LABELS = {
    "returned_to_sender": {"zh": "快件被退回寄件人", "en": "the parcel is being returned to us"},
    "failed_delivery": {"zh": "派送失败", "en": "the delivery attempt failed"},
    "lost": {"zh": "快件丢失", "en": "the carrier has lost the parcel"},
    "damaged": {"zh": "快件破损", "en": "the parcel was damaged"},
    "customs_hold": {"zh": "海关查验中", "en": "the parcel is held at customs"},
}
CLOSED = ("delivered", "refunded", "cancelled")


@dataclass(frozen=True)
class Match:
    """One rule an order meets: what the message says about it."""

    rule: Rule
    order: OrderTracking
    values: dict[str, str]

    def text(self, lang: str) -> str:
        return self.rule.text.get(lang).format(**self.values_for(lang))

    def values_for(self, lang: str) -> dict[str, str]:
        values = dict(self.values)
        items = self.order.items
        values["items"] = (", " if lang == "en" else "、").join(items[:3]) + ("…" if len(items) > 3 else "")
        if self.order.exception:
            values["exception"] = EXCEPTION_LABELS.get(self.order.exception, {}).get(lang, self.order.exception)
        return values


def _hours_since(value: str | None, now: dt.datetime) -> float | None:
    return None if value is None else (now - parse_time(value)).total_seconds() / 3600


def meets(rule: Rule, order: OrderTracking, now: dt.datetime) -> bool:
    """Whether `order` is in the situation `rule` speaks about, at `now`."""
    if rule.kind == "no_tracking_update":
        silent = _hours_since(order.last_tracking_at, now)
        return order.status == "shipped" and not order.delivered_at and not order.exception and silent is not None and silent > rule.hours
    if rule.kind == "shipped":
        age = _hours_since(order.shipped_at, now)
        return order.status == "shipped" and not order.exception and age is not None and age <= rule.max_age_hours
    if rule.kind == "delivery_exception":
        return bool(order.exception) and order.status not in CLOSED
    if rule.kind == "presale_delay":
        if not order.promised_ship_by or order.status != "paid":
            return False
        promised = parse_time(order.promised_ship_by)
        expected = parse_time(order.expected_ship_at) if order.expected_ship_at else None
        return (expected is not None and expected.date() > promised.date()) or (expected is None and now > promised)
    if rule.kind == "refund_completed":
        age = _hours_since(order.refunded_at, now)
        return age is not None and age <= rule.max_age_hours
    return False


def values(order: OrderTracking, now: dt.datetime, zone: ZoneInfo) -> dict[str, str]:
    """The placeholders of rules.yml for this order (items and exception are filled per language)."""

    def day(value: str | None) -> str:
        return parse_time(value).astimezone(zone).date().isoformat() if value else ""

    silent = _hours_since(order.last_tracking_at, now)
    late = ""
    if order.promised_ship_by and order.expected_ship_at:
        late = str(max((parse_time(order.expected_ship_at).date() - parse_time(order.promised_ship_by).date()).days, 0))
    return {
        "name": order.customer_name or "",
        "order_id": order.order_id,
        "items": "",
        "carrier": order.carrier or "",
        "tracking_no": order.tracking_no or "",
        "hours": "" if silent is None else str(int(silent)),
        "location": order.last_location or "",
        "last_update": order.last_tracking_text or "",
        "exception": order.exception or "",
        "promised": day(order.promised_ship_by),
        "expected": day(order.expected_ship_at),
        "days_late": late,
        "refund_amount": f"{order.refund_amount if order.refund_amount is not None else order.total:g}",
        "total": f"{order.total:g}",
    }


def evaluate(rules: RuleSet, orders: Iterable[OrderTracking], now: dt.datetime, zone: ZoneInfo) -> Iterator[Match]:
    """Every (rule, order) that holds now, in rule order per order."""
    active = rules.active
    for order in orders:
        hits = [rule for rule in active if meets(rule, order, now)]
        if hits:
            filled = values(order, now, zone)
            for rule in hits:
                yield Match(rule, order, filled)
