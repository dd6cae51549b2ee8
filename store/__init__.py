"""The store adapter: customers, orders, shipments, coupons and returns behind one interface.

`DemoStore` is a seeded SQLite store for the demo and tests; `HttpStore` talks to a real
store's REST API (the contract is in store/README.md).
"""

from store.client import (
    Coupon,
    Customer,
    LogisticsEvent,
    Order,
    ReturnRequest,
    Shipment,
    StoreClient,
    StoreError,
)
from store.demo import DemoStore
from store.http import HttpStore

__all__ = [
    "Coupon",
    "Customer",
    "DemoStore",
    "HttpStore",
    "LogisticsEvent",
    "Order",
    "ReturnRequest",
    "Shipment",
    "StoreClient",
    "StoreError",
]
