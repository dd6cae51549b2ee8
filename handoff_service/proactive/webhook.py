"""The store's order/shipment webhook: one signed POST carries a batch of events, each validated on
its own so one malformed event is refused by name while the rest of the batch is kept."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from store.client import ORDER_EXCEPTIONS, OrderTracking

EventType = Literal["order.created", "order.updated", "order.shipped", "shipment.updated", "delivery.exception", "refund.completed"]
Time = str | None


class OrderIn(BaseModel):
    """store.client.OrderTracking as the store sends it (store/README.md, "Webhooks")."""

    model_config = ConfigDict(extra="ignore")

    order_id: str = Field(min_length=1, max_length=64, pattern=r"^[^\s\x00-\x1f]+$")
    customer_id: str = Field(min_length=1, max_length=64, pattern=r"^[^\s\x00-\x1f]+$")
    status: Literal["paid", "shipped", "delivered", "refunded", "cancelled"]
    total: float = Field(ge=0)
    created_at: str
    items: list[str] = Field(default_factory=list, max_length=100)
    carrier: str | None = Field(default=None, max_length=64)
    tracking_no: str | None = Field(default=None, max_length=64)
    shipped_at: Time = None
    last_tracking_at: Time = None
    last_tracking_text: str | None = Field(default=None, max_length=500)
    last_location: str | None = Field(default=None, max_length=128)
    delivered_at: Time = None
    exception: str | None = None
    promised_ship_by: Time = None
    expected_ship_at: Time = None
    refunded_at: Time = None
    refund_amount: float | None = Field(default=None, ge=0)
    customer_name: str = Field(default="", max_length=128)
    customer_email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    customer_lang: Literal["zh", "en"] = "zh"
    updated_at: Time = None

    @field_validator("created_at", "shipped_at", "last_tracking_at", "delivered_at", "promised_ship_by", "expected_ship_at", "refunded_at", "updated_at")
    @classmethod
    def _iso_time(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            dt.datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not an ISO 8601 time") from exc
        return value

    @field_validator("exception")
    @classmethod
    def _known_exception(cls, value: str | None) -> str | None:
        if value is not None and value not in ORDER_EXCEPTIONS:
            raise ValueError(f"exception must be one of {', '.join(ORDER_EXCEPTIONS)}")
        return value


class StoreEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: EventType
    order: OrderIn


def read_batch(events: list[Any]) -> tuple[list[OrderTracking], list[dict[str, Any]]]:
    """(orders of the valid events, one refusal per malformed event naming its field)."""
    orders: list[OrderTracking] = []
    rejected: list[dict[str, Any]] = []
    for index, raw in enumerate(events):
        try:
            event = StoreEvent.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            rejected.append({
                "index": index, "field": f"events[{index}].{where}" if where else f"events[{index}]",
                "message": f"events[{index}].{where}: {first['msg']}",
            })  # fmt: skip
            continue
        orders.append(OrderTracking(**event.order.model_dump()))
    return orders, rejected
