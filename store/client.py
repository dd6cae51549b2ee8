"""What kefu needs from a store, whatever platform it runs on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Order:
    order_id: str
    status: str  # paid | shipped | delivered | refunded
    total: float
    created_at: str
    items: list[str] = field(default_factory=list)
    logistics: str | None = None  # the latest logistics event, as the carrier wrote it


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    tags: list[str]
    past_complaints: int
    orders: list[Order]

    @property
    def total_spend(self) -> float:
        return round(sum(o.total for o in self.orders if o.status != "refunded"), 2)

    @property
    def average_order_value(self) -> float:
        paid = [o for o in self.orders if o.status != "refunded"]
        return round(self.total_spend / len(paid), 2) if paid else 0.0


class StoreClient(Protocol):
    def customer(self, customer_id: str) -> Customer | None: ...
