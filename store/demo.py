"""A demo store on SQLite, seeded with the same realistic customers (store/demo_data.py)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from store import demo_data
from store.client import (
    REMEDY_KINDS,
    Coupon,
    Customer,
    LogisticsEvent,
    Order,
    OrderChanges,
    OrderTracking,
    PlacedOrder,
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
CREATE TABLE IF NOT EXISTS contacts (customer_id TEXT PRIMARY KEY REFERENCES customers(id), email TEXT, lang TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS order_tracking (
    order_id TEXT PRIMARY KEY REFERENCES orders(id), promised_ship_by TEXT, expected_ship_at TEXT,
    exception TEXT, refunded_at TEXT, refund_amount REAL
);
CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, order_id TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ix_changes_order ON changes (order_id, seq);
CREATE TABLE IF NOT EXISTS stream (
    id INTEGER PRIMARY KEY, due_at TEXT NOT NULL, kind TEXT NOT NULL, order_id TEXT NOT NULL, data TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0
);
"""

SCHEMA_VERSION = 4  # PRAGMA user_version; a demo file of another version is rebuilt from the seed
_TABLES = ("stream", "changes", "order_tracking", "contacts", "complaints", "remedies", "returns", "coupons", "logistics_events", "shipments", "orders", "customers", "meta")

RETURN_WINDOW_DAYS = 7  # 七天无理由 from delivery
QUALITY_WINDOW_DAYS = 15  # quality problems: 15 days, as the knowledge base says


class DemoStore:
    """Thread-safe: the action server calls it from several workers.

    `now` fixes the clock the data is seeded relative to (tests); by default the moment of
    seeding. A file seeded once keeps its rows: later opens never seed again.
    """

    def __init__(self, path: Path, now: dt.datetime | None = None, clock: Callable[[], dt.datetime] | None = None) -> None:
        """`clock`: what time the demo's stream plays up to (tests move it; default the wall clock)."""
        self._path = path
        self._now = now
        self._clock = clock
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
                    _seed_proactive(conn, self._now or dt.datetime.now(dt.timezone.utc))
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
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
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
        until = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=valid_days)).isoformat()
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
                if kind == "refund":
                    _refunded(db, order_id, amount, now)
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

    # --- proactive service (issue #16) -----------------------------------------------------------

    def order_changes(self, cursor: str | None, limit: int = 500) -> OrderChanges:
        try:
            after = int(cursor) if cursor else 0
        except ValueError as exc:
            raise StoreError(f"not a cursor of this store: {cursor!r}") from exc
        with self._lock:
            db = self._db()
            self._play_stream(db)
            rows = db.execute(
                "SELECT order_id, MAX(seq) AS last FROM changes WHERE seq > ? GROUP BY order_id ORDER BY last LIMIT ?",
                (after, limit),
            ).fetchall()
            orders = [_tracking(db, order_id) for order_id, _ in rows]
        return OrderChanges(orders, str(rows[-1][1] if rows else after))

    def _play_stream(self, db: sqlite3.Connection) -> None:
        """What the demo's stream says has happened by now (store/demo_data.py, STREAM)."""
        now = (self._clock() if self._clock else dt.datetime.now(dt.timezone.utc)).replace(microsecond=0).isoformat()
        due = db.execute("SELECT id, due_at, kind, order_id, data FROM stream WHERE done = 0 AND due_at <= ? ORDER BY due_at, id", (now,)).fetchall()
        if not due:
            return
        with db:
            for row_id, at, kind, order_id, data in due:
                _play(db, at, kind, order_id, json.loads(data))
                db.execute("UPDATE stream SET done = 1 WHERE id = ?", (row_id,))

    def orders_placed(self, since: dt.datetime, until: dt.datetime) -> list[PlacedOrder]:
        with self._lock:
            rows = self._db().execute(
                "SELECT id, customer_id, created_at, total, items FROM orders WHERE created_at >= ? AND created_at < ? "
                "ORDER BY created_at, id",
                (_iso(since), _iso(until)),
            ).fetchall()
        return [PlacedOrder(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]

    def add_orders(self, orders: list[PlacedOrder], carriers: dict[str, str] | None = None, status: str = "delivered") -> None:
        """Demo only: orders of a seeded history (`kefu demo --seed-history`), for its conversion."""
        with self._lock:
            db = self._db()
            db.executemany(
                "INSERT OR IGNORE INTO customers VALUES (?, ?, '[]')", [(o.customer_id, o.customer_id) for o in orders]
            )
            db.executemany(
                "INSERT OR IGNORE INTO orders VALUES (?, ?, ?, ?, ?, ?, NULL)",
                [(o.order_id, o.customer_id, status, o.total, o.created_at, json.dumps(o.items, ensure_ascii=False)) for o in orders],
            )
            db.executemany(
                "INSERT OR IGNORE INTO shipments VALUES (?, ?, ?)",
                [(order_id, carrier, f"DEMO{order_id}") for order_id, carrier in (carriers or {}).items()],
            )
            db.commit()

    def products(self, category: str | None = None) -> list[Product]:
        """#19: the storefront's catalogue (demo_data.PRODUCTS), read-only."""
        return [
            Product(sku, zh, en, cat, price, attributes, image_url="", url=f"/?sku={sku}#new",
                    cart_url=f"/?add={sku}#new", blurb_zh=blurb_zh, blurb_en=blurb_en)
            for sku, zh, en, cat, price, attributes, blurb_zh, blurb_en in demo_data.PRODUCTS
            if category is None or cat == category
        ]


def _iso(moment: dt.datetime) -> str:
    """The seed's format (demo_data.at): UTC, ISO, seconds."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def days_since(value: str | None, now: dt.datetime) -> float | None:
    """Days from an ISO time to `now` (None stays None)."""
    return None if value is None else (now - parse_time(value)).total_seconds() / 86400


def _seed(conn: sqlite3.Connection, now: dt.datetime) -> None:
    now = now.astimezone(dt.UTC)
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


# --- proactive service (issue #16) -----------------------------------------------------------------


def _seed_proactive(conn: sqlite3.Connection, now: dt.datetime) -> None:
    """The customers, orders and parcels of demo_data's proactive section, and the stream to come."""
    now = now.astimezone(dt.timezone.utc)
    at = demo_data.at
    conn.executemany(
        "INSERT INTO customers VALUES (?, ?, ?)",
        [(cid, name, json.dumps(tags, ensure_ascii=False)) for cid, name, tags in demo_data.PROACTIVE_CUSTOMERS],
    )
    conn.executemany(
        "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, NULL)",
        [
            (o.order_id, o.customer_id, o.status, o.total, at(now, days=o.days_ago), json.dumps(o.items, ensure_ascii=False))
            for o in demo_data.PROACTIVE_ORDERS
        ],
    )
    for order_id, (carrier, tracking_no, events) in demo_data.PROACTIVE_SHIPMENTS.items():
        conn.execute("INSERT INTO shipments VALUES (?, ?, ?)", (order_id, carrier, tracking_no))
        conn.executemany(
            "INSERT INTO logistics_events VALUES (?, ?, ?, ?)",
            [(order_id, at(now, hours=hours), place, text) for hours, place, text in events],
        )
    for order_id, (promised, expected, exception, refunded_hours) in demo_data.TRACKING.items():
        total = conn.execute("SELECT total FROM orders WHERE id = ?", (order_id,)).fetchone()[0]
        conn.execute(
            "INSERT INTO order_tracking VALUES (?, ?, ?, ?, ?, ?)",
            (
                order_id,
                None if promised is None else at(now, days=-promised),
                None if expected is None else at(now, days=-expected),
                exception,
                None if refunded_hours is None else at(now, hours=refunded_hours),
                None if refunded_hours is None else total,
            ),
        )
    conn.executemany("INSERT INTO contacts VALUES (?, ?, ?)", demo_data.CONTACTS)
    seeded = now.replace(microsecond=0).isoformat()
    conn.execute("INSERT INTO changes (order_id, at) SELECT id, ? FROM orders ORDER BY created_at, id", (seeded,))
    conn.executemany(
        "INSERT INTO stream (due_at, kind, order_id, data) VALUES (?, ?, ?, ?)",
        [(at(now, hours=-minutes / 60), kind, order_id, json.dumps(data, ensure_ascii=False)) for minutes, kind, order_id, data in demo_data.STREAM],
    )


def _changed(db: sqlite3.Connection, order_id: str, at: str) -> None:
    db.execute("INSERT INTO changes (order_id, at) VALUES (?, ?)", (order_id, at))


def _refunded(db: sqlite3.Connection, order_id: str, amount: float, at: str) -> None:
    db.execute("INSERT OR IGNORE INTO order_tracking (order_id) VALUES (?)", (order_id,))
    db.execute("UPDATE order_tracking SET refunded_at = ?, refund_amount = ? WHERE order_id = ?", (at, amount, order_id))
    _changed(db, order_id, at)


def _play(db: sqlite3.Connection, at: str, kind: str, order_id: str, data: dict[str, object]) -> None:
    """One event of the demo's stream, as the store's own systems would record it."""
    if kind == "placed":
        db.execute(
            "INSERT OR IGNORE INTO orders VALUES (?, ?, 'paid', ?, ?, ?, NULL)",
            (order_id, data["customer_id"], data["total"], at, json.dumps(data["items"], ensure_ascii=False)),
        )
    elif kind in ("tracking", "delivered", "exception"):
        if "carrier" in data:
            db.execute("INSERT OR IGNORE INTO shipments VALUES (?, ?, ?)", (order_id, data["carrier"], data["tracking_no"]))
        db.execute("INSERT INTO logistics_events VALUES (?, ?, ?, ?)", (order_id, at, data["location"], data["description"]))
        if kind == "delivered":
            db.execute("UPDATE orders SET status = 'delivered', delivered_at = ? WHERE id = ?", (at, order_id))
        else:
            db.execute("UPDATE orders SET status = 'shipped' WHERE id = ? AND status = 'paid'", (order_id,))
        db.execute("INSERT OR IGNORE INTO order_tracking (order_id) VALUES (?)", (order_id,))
        db.execute(
            "UPDATE order_tracking SET exception = ? WHERE order_id = ?",
            (data["kind"] if kind == "exception" else None, order_id),
        )
    elif kind == "presale_delay":
        seeded = parse_time(db.execute("SELECT value FROM meta WHERE key = 'seeded_at'").fetchone()[0])
        expected = (seeded + dt.timedelta(days=float(data["expected_days"]))).replace(microsecond=0).isoformat()  # type: ignore[arg-type]
        db.execute("UPDATE order_tracking SET expected_ship_at = ? WHERE order_id = ?", (expected, order_id))
    else:
        raise StoreError(f"unknown stream event {kind!r}")
    _changed(db, order_id, at)


def _tracking(db: sqlite3.Connection, order_id: str) -> OrderTracking:
    o = db.execute(
        "SELECT o.id, o.customer_id, o.status, o.total, o.created_at, o.items, o.delivered_at, c.name, k.email, "
        "COALESCE(k.lang, 'zh'), s.carrier, s.tracking_no, t.promised_ship_by, t.expected_ship_at, t.exception, "
        "t.refunded_at, t.refund_amount, (SELECT MAX(at) FROM changes WHERE order_id = o.id) "
        "FROM orders o JOIN customers c ON c.id = o.customer_id LEFT JOIN contacts k ON k.customer_id = o.customer_id "
        "LEFT JOIN shipments s ON s.order_id = o.id LEFT JOIN order_tracking t ON t.order_id = o.id WHERE o.id = ?",
        (order_id,),
    ).fetchone()
    events = db.execute(
        "SELECT at, location, description FROM logistics_events WHERE order_id = ? ORDER BY at", (order_id,)
    ).fetchall()
    first, last = (events[0], events[-1]) if events else (None, None)
    return OrderTracking(
        order_id=o[0], customer_id=o[1], status=o[2], total=o[3], created_at=o[4], items=json.loads(o[5]),
        carrier=o[10], tracking_no=o[11], shipped_at=first[0] if first else None,
        last_tracking_at=last[0] if last else None, last_tracking_text=last[2] if last else None,
        last_location=last[1] if last else None, delivered_at=o[6], exception=o[14], promised_ship_by=o[12],
        expected_ship_at=o[13], refunded_at=o[15], refund_amount=o[16], customer_name=o[7], customer_email=o[8],
        customer_lang=o[9], updated_at=o[17],
    )  # fmt: skip
