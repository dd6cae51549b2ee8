"""The store adapter: customers, orders, shipments, coupons and returns behind one interface.

`DemoStore` is a seeded SQLite store for the demo and tests; `HttpStore` talks to a real
store's REST API (the contract is in store/README.md).
"""

from pathlib import Path

from store.client import (
    Coupon,
    Customer,
    LogisticsEvent,
    Order,
    OrderChanges,
    OrderTracking,
    Product,
    ReturnRequest,
    Shipment,
    StoreClient,
    StoreError,
)
from store.demo import DemoStore
from store.http import HttpStore


def open_store(path: Path, url: str | None = None, token: str | None = None) -> StoreClient:
    """The real store's API when `url` is set, otherwise the demo store in `path`."""
    return HttpStore(url, token) if url else DemoStore(path)

__all__ = [
    "Coupon",
    "Customer",
    "DemoStore",
    "HttpStore",
    "LogisticsEvent",
    "Order",
    "OrderChanges",
    "OrderTracking",
    "Product",
    "ReturnRequest",
    "Shipment",
    "StoreClient",
    "StoreError",
    "open_store",
]
