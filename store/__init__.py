"""The store adapter: customers, orders and shipments, behind one interface (demo: SQLite)."""

from store.client import Customer, Order, StoreClient
from store.demo import DemoStore

__all__ = ["Customer", "DemoStore", "Order", "StoreClient"]
