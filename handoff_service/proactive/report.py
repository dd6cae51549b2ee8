"""What a scan did (for the CLI, the webhook's answer and the supervisors), and how orders and
alerts read back from the database."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from handoff_service.core.models import ProactiveAlert, as_utc
from store.client import OrderTracking, parse_time


@dataclass
class Planned:
    """One alert a scan sent, held back or would send (dry run), for the CLI and the webhook's answer."""

    rule: str
    kind: str
    order_id: str
    customer_id: str
    outcome: str  # sent | deferred | opted_out | failed | duplicate | expired | would_send
    reason: str | None = None
    alert_id: int | None = None
    conversation_id: str | None = None
    channels: dict[str, str] = field(default_factory=dict)
    text: str = ""

    def public(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class ScanReport:
    orders_read: int = 0
    orders_checked: int = 0
    alerts: list[Planned] = field(default_factory=list)
    seconds: float = 0.0
    cursor: str | None = None

    def public(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for alert in self.alerts:
            counts[alert.outcome] = counts.get(alert.outcome, 0) + 1
        return {
            "orders_read": self.orders_read, "orders_checked": self.orders_checked, "seconds": round(self.seconds, 3),
            "cursor": self.cursor, "counts": counts, "alerts": [a.public() for a in self.alerts],
        }  # fmt: skip


def as_time(value: str | None) -> dt.datetime | None:
    return parse_time(value) if value else None


def order_from(data: dict[str, Any]) -> OrderTracking:
    names = {f.name for f in dataclasses.fields(OrderTracking)}
    return OrderTracking(**{k: v for k, v in data.items() if k in names})


def alert_public(alert: ProactiveAlert) -> dict[str, Any]:
    def iso(value: dt.datetime | None) -> str | None:
        return as_utc(value).isoformat() if value else None

    return {
        "id": alert.id, "rule": alert.rule_id, "kind": alert.kind, "order_id": alert.order_id,
        "customer_id": alert.customer_id, "lang": alert.lang, "outcome": alert.outcome, "reason": alert.reason,
        "text": alert.text, "choices": alert.choices, "channels": alert.channels, "conversation_id": alert.conversation_id,
        "choice": alert.choice, "choice_result": alert.choice_result, "created_at": iso(alert.created_at),
        "sent_at": iso(alert.sent_at), "due_at": iso(alert.due_at), "chosen_at": iso(alert.chosen_at),
    }  # fmt: skip
