"""A demo store on SQLite, seeded with the same realistic customers (store/demo_data.py)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from pathlib import Path

from store import demo_data
from store.client import (
    REMEDY_KINDS,
    Coupon,
    Customer,
    LogisticsEvent,
    Order,
    Product,
    Remedy,
    ReturnRequest,
    Shipment,
    StoreError,
    parse_time,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS customers (id TEXT PRIMARY KEY, name TEXT NOT NULL, tags TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES customers(id), status TEXT NOT NULL,
    total REAL NOT NULL, created_at TEXT NOT NULL, items TEXT NOT NULL, delivered_at TEXT
);
CREATE TABLE IF NOT EXISTS shipments (
    order_id TEXT PRIMARY KEY REFERENCES orders(id), carrier TEXT NOT NULL, tracking_no TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS logistics_events (
    order_id TEXT NOT NULL REFERENCES shipments(order_id), at TEXT NOT NULL,
    location TEXT NOT NULL, description TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS coupons (
    code TEXT NOT NULL, customer_id TEXT NOT NULL REFERENCES customers(id), title_zh TEXT NOT NULL,
    title_en TEXT NOT NULL, amount REAL NOT NULL, min_spend REAL NOT NULL, valid_until TEXT NOT NULL,
    used INTEGER NOT NULL, PRIMARY KEY (code, customer_id)
);
CREATE TABLE IF NOT EXISTS returns (
    id TEXT PRIMARY KEY, order_id TEXT NOT NULL REFERENCES orders(id), customer_id TEXT NOT NULL,
    kind TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL, created_at TEXT NOT NULL,
    refund_amount REAL, updated_at TEXT
);
CREATE TABLE IF NOT EXISTS remedies (
    id TEXT PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES customers(id), order_id TEXT NOT NULL REFERENCES orders(id),
    kind TEXT NOT NULL, amount REAL NOT NULL, reason TEXT NOT NULL, created_at TEXT NOT NULL,
    UNIQUE (order_id, kind)
);
CREATE TABLE IF NOT EXISTS complaints (
    customer_id TEXT NOT NULL REFERENCES customers(id), order_id TEXT, created_at TEXT NOT NULL, summary TEXT NOT NULL
);
"""

SCHEMA_VERSION = 3  # PRAGMA user_version; a demo file of another version is rebuilt from the seed
_TABLES = ("complaints", "remedies", "returns", "coupons", "logistics_events", "shipments", "orders", "customers", "meta")

RETURN_WINDOW_DAYS = 7  # 七天无理由 from delivery
QUALITY_WINDOW_DAYS = 15  # quality problems: 15 days, as the knowledge base says


class DemoStore:
    """Thread-safe: the action server calls it from several workers.

    `now` fixes the clock the data is seeded relative to (tests); by default the moment of
    seeding. A file seeded once keeps its rows: later opens never seed again.
    """

    def __init__(self, path: Path, now: dt.datetime | None = None) -> None:
        self._path = path
        self._now = now
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self._path, check_same_thread=False, timeout=10, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")  # one transaction: another process sees all of the seed or none
            try:
                if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                    # demo data only: a file from an older kefu is rebuilt, never migrated
                    for table in _TABLES:
                        conn.execute(f"DROP TABLE IF EXISTS {table}")
                    for statement in filter(str.strip, _SCHEMA.split(";")):
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                if conn.execute("SELECT COUNT(*) FROM customers").fetchone()[0] == 0:
                    _seed(conn, self._now or dt.datetime.now(dt.timezone.utc))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                conn.close()
                raise
            conn.isolation_level = ""  # back to the module's implicit transactions for writes
            self._conn = conn
        return self._conn

    def customer(self, customer_id: str) -> Customer | None:
        with self._lock:
            db = self._db()
            row = db.execute("SELECT id, name, tags FROM customers WHERE id = ?", (customer_id,)).fetchone()
            if row is None:
                return None
            orders = db.execute(
                "SELECT o.id, o.status, o.total, o.created_at, o.items, o.delivered_at, "
                "(SELECT description FROM logistics_events e WHERE e.order_id = o.id ORDER BY e.at DESC LIMIT 1) "
                "FROM orders o WHERE o.customer_id = ? ORDER BY o.created_at DESC, o.id DESC",
                (customer_id,),
            ).fetchall()
            complaints = db.execute("SELECT COUNT(*) FROM complaints WHERE customer_id = ?", (customer_id,)).fetchone()[0]
        return Customer(
            customer_id=row[0],
            name=row[1],
            tags=json.loads(row[2]),
            past_complaints=complaints,
            orders=[
                Order(o[0], o[1], o[2], o[3][:10], json.loads(o[4]), logistics=o[6], delivered_at=o[5]) for o in orders
            ],
        )

    def shipment(self, order_id: str) -> Shipment | None:
        with self._lock:
            db = self._db()
            row = db.execute("SELECT carrier, tracking_no FROM shipments WHERE order_id = ?", (order_id,)).fetchone()
            if row is None:
                return None
            events = db.execute(
                "SELECT at, location, description FROM logistics_events WHERE order_id = ? ORDER BY at", (order_id,)
            ).fetchall()
        return Shipment(order_id, row[0], row[1], [LogisticsEvent(*e) for e in events])

    def coupons(self, customer_id: str, today: dt.date) -> list[Coupon]:
        with self._lock:
            rows = self._db().execute(
                "SELECT code, title_zh, title_en, amount, min_spend, valid_until FROM coupons "
                "WHERE customer_id = ? AND used = 0 AND valid_until >= ? ORDER BY amount DESC, min_spend, code",
                (customer_id, today.isoformat()),
            ).fetchall()
        return [Coupon(*r) for r in rows]

    def returns(self, customer_id: str) -> list[ReturnRequest]:
        with self._lock:
            rows = self._db().execute(
                "SELECT id, order_id, kind, status, created_at, refund_amount, updated_at FROM returns "
                "WHERE customer_id = ? ORDER BY created_at DESC, id DESC",
                (customer_id,),
            ).fetchall()
        return [ReturnRequest(*r) for r in rows]

    def create_return(self, customer_id: str, order_id: str, kind: str, reason: str) -> ReturnRequest:
        if kind not in ("refund", "exchange", "keep_with_coupon"):
            raise StoreError(f"unknown return kind {kind!r}")
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        with self._lock:
            db = self._db()
            order = db.execute(
                "SELECT total, delivered_at FROM orders WHERE id = ? AND customer_id = ?", (order_id, customer_id)
            ).fetchone()
            if order is None:
                raise StoreError(f"order {order_id} is not one of customer {customer_id}'s orders")
            if order[1] is None:
                raise StoreError(f"order {order_id} has not been delivered")
            open_return = db.execute(
                "SELECT id FROM returns WHERE order_id = ? AND status NOT IN ('closed')", (order_id,)
            ).fetchone()
            if open_return is not None:
                raise StoreError(f"order {order_id} already has return {open_return[0]}")
            with db:
                number = db.execute("SELECT COUNT(*) FROM returns").fetchone()[0] + 5001
                refund = order[0] if kind == "refund" else None
                db.execute(
                    "INSERT INTO returns VALUES (?, ?, ?, ?, 'requested', ?, ?, ?, ?)",
                    (f"R{number}", order_id, customer_id, kind, reason, now.isoformat(), refund, now.isoformat()),
                )
        return ReturnRequest(f"R{number}", order_id, kind, "requested", now.isoformat(), refund, now.isoformat())

    def issue_coupon(self, customer_id: str, amount: float, reason: str, valid_days: int) -> Coupon:
        if amount <= 0:
            raise StoreError("a coupon must be worth something")
        until = (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=valid_days)).isoformat()
        with self._lock:
            db = self._db()
            if db.execute("SELECT 1 FROM customers WHERE id = ?", (customer_id,)).fetchone() is None:
                raise StoreError(f"no customer {customer_id}")
            with db:
                number = db.execute("SELECT COUNT(*) FROM coupons").fetchone()[0] + 9001
                coupon = Coupon(
                    f"CS{number}", f"客服补偿券 ¥{amount:g}（无门槛）", f"¥{amount:g} apology coupon (no minimum)",
                    amount, 0.0, until,
                )
                db.execute(
                    "INSERT INTO coupons VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                    (coupon.code, customer_id, coupon.title_zh, coupon.title_en, amount, 0.0, until),
                )
        return coupon

    def perform_remedy(self, customer_id: str, order_id: str, kind: str, amount: float, reason: str) -> Remedy:
        if kind not in REMEDY_KINDS:
            raise StoreError(f"unknown remedy {kind!r}")
        if amount < 0:
            raise StoreError("a remedy cannot cost less than nothing")
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
        with self._lock:
            db = self._db()
            order = db.execute("SELECT total FROM orders WHERE id = ? AND customer_id = ?", (order_id, customer_id)).fetchone()
            if order is None:
                raise StoreError(f"order {order_id} is not one of customer {customer_id}'s orders")
            if kind == "refund" and amount > order[0]:
                raise StoreError(f"a refund of {amount:g} is more than order {order_id}'s {order[0]:g}")
            if kind in ("reship", "express_upgrade") and db.execute(
                "SELECT 1 FROM shipments WHERE order_id = ?", (order_id,)
            ).fetchone() is None:
                raise StoreError(f"order {order_id} has not shipped")
            with db:
                if db.execute("SELECT 1 FROM remedies WHERE order_id = ? AND kind = ?", (order_id, kind)).fetchone():
                    raise StoreError(f"order {order_id} already had a {kind}")
                number = db.execute("SELECT COUNT(*) FROM remedies").fetchone()[0] + 7001
                remedy = Remedy(f"M{number}", customer_id, order_id, kind, amount, reason, now)
                db.execute("INSERT INTO remedies VALUES (?, ?, ?, ?, ?, ?, ?)", (remedy.remedy_id, customer_id, order_id, kind, amount, reason, now))
                if kind == "refund" and amount == order[0]:
                    db.execute("UPDATE orders SET status = 'refunded' WHERE id = ?", (order_id,))
        return remedy

    def remedies(self, customer_id: str) -> list[Remedy]:
        with self._lock:
            rows = self._db().execute(
                "SELECT id, customer_id, order_id, kind, amount, reason, created_at FROM remedies "
                "WHERE customer_id = ? ORDER BY created_at DESC, id DESC",
                (customer_id,),
            ).fetchall()
        return [Remedy(*r) for r in rows]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def products(self, category: str | None = None) -> list[Product]:
        """#19: the storefront's catalogue (demo_data.PRODUCTS), read-only."""
        return [
            Product(sku, zh, en, cat, price, attributes, image_url="", url=f"/?sku={sku}#new",
                    cart_url=f"/?add={sku}#new", blurb_zh=blurb_zh, blurb_en=blurb_en)
            for sku, zh, en, cat, price, attributes, blurb_zh, blurb_en in demo_data.PRODUCTS
            if category is None or cat == category
        ]


def days_since(value: str | None, now: dt.datetime) -> float | None:
    """Days from an ISO time to `now` (None stays None)."""
    return None if value is None else (now - parse_time(value)).total_seconds() / 86400


def _seed(conn: sqlite3.Connection, now: dt.datetime) -> None:
    now = now.astimezone(dt.timezone.utc)
    at = demo_data.at
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('seeded_at', ?)", (now.isoformat(),))
    conn.executemany(
        "INSERT INTO customers VALUES (?, ?, ?)",
        [(cid, name, json.dumps(tags, ensure_ascii=False)) for cid, name, tags in demo_data.CUSTOMERS],
    )
    conn.executemany(
        "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                o.order_id, o.customer_id, o.status, o.total, at(now, days=o.days_ago),
                json.dumps(o.items, ensure_ascii=False),
                None if o.delivered_days_ago is None else at(now, days=o.delivered_days_ago),
            )  # fmt: skip
            for o in demo_data.ORDERS
        ],
    )
    for order_id, (carrier, tracking_no, events) in demo_data.SHIPMENTS.items():
        conn.execute("INSERT INTO shipments VALUES (?, ?, ?)", (order_id, carrier, tracking_no))
        conn.executemany(
            "INSERT INTO logistics_events VALUES (?, ?, ?, ?)",
            [(order_id, at(now, hours=hours), place, text) for hours, place, text in events],
        )
    conn.executemany(
        "INSERT INTO coupons VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (code, cid, zh, en, amount, min_spend, (now.date() + dt.timedelta(days=days)).isoformat(), int(used))
            for code, cid, zh, en, amount, min_spend, days, used in demo_data.COUPONS
        ],
    )
    conn.executemany(
        "INSERT INTO returns VALUES (?, ?, ?, ?, ?, 'demo', ?, ?, ?)",
        [
            (rid, oid, cid, kind, status, at(now, days=days), refund, at(now, days=max(days - 2, 0)))
            for rid, oid, cid, kind, status, days, refund in demo_data.RETURNS
        ],
    )
    conn.executemany(
        "INSERT INTO complaints VALUES (?, ?, ?, ?)",
        [(cid, oid, at(now, days=days), summary) for cid, oid, days, summary in demo_data.COMPLAINTS],
    )
