"""What kefu needs from a store, whatever platform it runs on: one interface, several adapters.

`DemoStore` (SQLite, seeded) and `HttpStore` (a real store's REST API, see store/README.md)
implement `StoreClient`. Times are ISO 8601 in UTC; money is in the store's currency (CNY).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal, Protocol

OrderStatus = Literal["paid", "shipped", "delivered", "refunded", "cancelled"]
ReturnKind = Literal["refund", "exchange", "keep_with_coupon"]
ReturnStatus = Literal["requested", "in_transit", "received", "refunded", "exchanged", "closed"]


def parse_time(value: str) -> dt.datetime:
    """An ISO time as an aware UTC datetime (a bare date counts as midnight UTC)."""
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class LogisticsEvent:
    at: str
    location: str
    description: str  # as the carrier wrote it


@dataclass(frozen=True)
class Shipment:
    order_id: str
    carrier: str
    tracking_no: str
    events: list[LogisticsEvent] = field(default_factory=list)  # oldest first

    @property
    def latest(self) -> LogisticsEvent | None:
        return self.events[-1] if self.events else None

    def hours_without_update(self, now: dt.datetime) -> float | None:
        """Hours since the carrier's last event: the measure of a stuck parcel."""
        latest = self.latest
        return None if latest is None else (now - parse_time(latest.at)).total_seconds() / 3600


@dataclass(frozen=True)
class Order:
    order_id: str
    status: str  # OrderStatus; a real store may add its own
    total: float
    created_at: str
    items: list[str] = field(default_factory=list)
    logistics: str | None = None  # the latest logistics event, as the carrier wrote it
    delivered_at: str | None = None


@dataclass(frozen=True)
class Coupon:
    code: str
    title_zh: str
    title_en: str
    amount: float  # off the order total
    min_spend: float  # 0 = no threshold (无门槛)
    valid_until: str  # last day it can be used, inclusive (YYYY-MM-DD)

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" and self.title_en else self.title_zh


@dataclass(frozen=True)
class ReturnRequest:
    return_id: str
    order_id: str
    kind: str  # ReturnKind
    status: str  # ReturnStatus
    created_at: str
    refund_amount: float | None = None
    updated_at: str | None = None


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    tags: list[str]
    past_complaints: int
    orders: list[Order]  # newest first

    @property
    def total_spend(self) -> float:
        return round(sum(o.total for o in self.orders if o.status not in ("refunded", "cancelled")), 2)

    @property
    def average_order_value(self) -> float:
        paid = [o for o in self.orders if o.status not in ("refunded", "cancelled")]
        return round(self.total_spend / len(paid), 2) if paid else 0.0

    @property
    def is_vip(self) -> bool:
        return any(t.upper() == "VIP" for t in self.tags)


REMEDY_KINDS = ("reship", "refund", "return_shipping_waiver", "express_upgrade", "gift")


@dataclass(frozen=True)
class Remedy:
    """Something the store did for a customer beyond a coupon: resent an item, refunded, paid the
    return postage, upgraded to express, added a gift."""

    remedy_id: str
    customer_id: str
    order_id: str
    kind: str  # one of REMEDY_KINDS
    amount: float  # its cost to the store (a refund's sum, the gift's value); 0 if none
    reason: str
    created_at: str
@dataclass(frozen=True)
class PlacedOrder:
    """An order as the service insight reads it: who placed it, when, for how much (conversion)."""

    order_id: str
    customer_id: str
    created_at: str
    total: float
    items: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Product:
    """One product of the store's catalogue (#19): what a recommendation shows and matches on.
    `attributes` holds lists per facet: skin_types (dry, oily, combination, sensitive), sizes,
    materials, occasions (gift, …)."""

    sku: str
    name_zh: str
    name_en: str
    category: str
    price: float
    attributes: dict[str, list[str]] = field(default_factory=dict)
    image_url: str = ""
    url: str = ""  # the product page
    cart_url: str = ""  # adds it to the shopper's cart
    blurb_zh: str = ""
    blurb_en: str = ""


class StoreError(Exception):
    """The store could not answer (unreachable, refused, or answered nonsense)."""


class StoreClient(Protocol):
    """The store as the bot sees it. Unknown ids give None or []; failures raise StoreError."""

    def customer(self, customer_id: str) -> Customer | None: ...

    def shipment(self, order_id: str) -> Shipment | None: ...

    def coupons(self, customer_id: str, today: dt.date) -> list[Coupon]:
        """The customer's coupons that can still be used on `today`, best first."""
        ...

    def returns(self, customer_id: str) -> list[ReturnRequest]:
        """The customer's returns and exchanges, newest first."""
        ...

    def create_return(self, customer_id: str, order_id: str, kind: str, reason: str) -> ReturnRequest:
        """Open a return/exchange for one of the customer's orders; StoreError if it is not allowed."""
        ...

    def issue_coupon(self, customer_id: str, amount: float, reason: str, valid_days: int) -> Coupon:
        """Give the customer a no-threshold coupon (an agent's goodwill gesture); StoreError if refused."""
        ...

    def perform_remedy(self, customer_id: str, order_id: str, kind: str, amount: float, reason: str) -> Remedy:
        """Do one remedy (REMEDY_KINDS) on one of the customer's orders; StoreError if refused, e.g. an
        unknown kind, another customer's order, a refund above what was paid, or the same remedy twice."""
        ...

    def remedies(self, customer_id: str) -> list[Remedy]:
        """The remedies done for the customer, newest first."""
        ...

    def close(self) -> None: ...

    def orders_placed(self, since: dt.datetime, until: dt.datetime) -> list[PlacedOrder]:
        """Every order placed in [since, until), oldest first (the service insight's conversion)."""
        ...

    def products(self, category: str | None = None) -> list[Product]:
        """#19: the catalogue (of one category if given), in the store's order."""
        ...

    # --- proactive service (issue #16) -----------------------------------------------------------

    def order_changes(self, cursor: str | None, limit: int = 500) -> OrderChanges:
        """Orders (with their shipment and last tracking time) that changed after `cursor`, oldest
        change first, and the cursor to ask with next; `cursor=None` starts from the beginning.
        A store without webhooks is watched through this (the periodic scan)."""
        ...


ORDER_EXCEPTIONS = ("returned_to_sender", "failed_delivery", "lost", "damaged", "customs_hold")


@dataclass(frozen=True)
class OrderTracking:
    """One order as proactive service watches it: where its parcel is, what was promised, what
    changed. Carries the customer's contact so an alert can go out without another call."""

    order_id: str
    customer_id: str
    status: str  # OrderStatus
    total: float
    created_at: str
    items: list[str] = field(default_factory=list)
    carrier: str | None = None
    tracking_no: str | None = None
    shipped_at: str | None = None  # the carrier's first event
    last_tracking_at: str | None = None  # the carrier's latest event
    last_tracking_text: str | None = None
    last_location: str | None = None
    delivered_at: str | None = None
    exception: str | None = None  # one of ORDER_EXCEPTIONS while the parcel is in trouble
    promised_ship_by: str | None = None  # a pre-sale item's promised shipping date
    expected_ship_at: str | None = None  # the store's current estimate for it
    refunded_at: str | None = None
    refund_amount: float | None = None
    customer_name: str = ""
    customer_email: str | None = None
    customer_lang: str = "zh"
    updated_at: str | None = None

    def hours_without_update(self, now: dt.datetime) -> float | None:
        return None if self.last_tracking_at is None else (now - parse_time(self.last_tracking_at)).total_seconds() / 3600


@dataclass(frozen=True)
class OrderChanges:
    orders: list[OrderTracking]
    cursor: str  # pass it back to get what changed after these
