"""A demo store on SQLite, seeded with the same realistic customers every time."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from store.client import Customer, Order

_SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, tags TEXT NOT NULL, past_complaints INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES customers(id), status TEXT NOT NULL,
    total REAL NOT NULL, created_at TEXT NOT NULL, items TEXT NOT NULL, logistics TEXT
);
"""

# Repeat buyers, a VIP, a shipment stuck for days, a customer with a past complaint.
_CUSTOMERS = [
    ("C1001", "林晓雨", ["复购", "VIP"], 0),
    ("C1002", "Emma Zhang", ["new"], 0),
    ("C1003", "王大力", ["复购"], 1),
]
_ORDERS = [
    ("O20261101001", "C1001", "delivered", 259.0, "2026-11-01", ["羊毛针织开衫 米白 M"], "已签收，签收人：本人"),
    ("O20261111002", "C1001", "shipped", 468.0, "2026-11-11", ["加厚羽绒服 黑色 L", "羊绒围巾"], "【杭州转运中心】已发出，下一站：上海"),
    ("O20261118003", "C1001", "paid", 129.0, "2026-11-18", ["保湿精华 30ml"], None),
    ("O20261115004", "C1002", "shipped", 199.0, "2026-11-15", ["Linen shirt white S"], "Stuck at Guangzhou hub since 2026-11-17"),
    ("O20261020005", "C1003", "refunded", 89.0, "2026-10-20", ["纯棉T恤 灰色 XL"], "退货已签收"),
    ("O20261105006", "C1003", "delivered", 349.0, "2026-11-05", ["牛仔外套 蓝色 XL"], "已签收，签收人：快递柜"),
]


class DemoStore:
    """Thread-safe: the action server calls it from several workers."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self._path, check_same_thread=False)
            conn.executescript(_SCHEMA)
            if conn.execute("SELECT COUNT(*) FROM customers").fetchone()[0] == 0:
                conn.executemany(
                    "INSERT INTO customers VALUES (?, ?, ?, ?)",
                    [(cid, name, json.dumps(tags, ensure_ascii=False), n) for cid, name, tags, n in _CUSTOMERS],
                )
                conn.executemany(
                    "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(o[0], o[1], o[2], o[3], o[4], json.dumps(o[5], ensure_ascii=False), o[6]) for o in _ORDERS],
                )
                conn.commit()
            self._conn = conn
        return self._conn

    def customer(self, customer_id: str) -> Customer | None:
        with self._lock:
            db = self._db()
            row = db.execute(
                "SELECT id, name, tags, past_complaints FROM customers WHERE id = ?", (customer_id,)
            ).fetchone()
            if row is None:
                return None
            orders = db.execute(
                "SELECT id, status, total, created_at, items, logistics FROM orders "
                "WHERE customer_id = ? ORDER BY created_at DESC",
                (customer_id,),
            ).fetchall()
        return Customer(
            customer_id=row[0],
            name=row[1],
            tags=json.loads(row[2]),
            past_complaints=row[3],
            orders=[Order(o[0], o[1], o[2], o[3], json.loads(o[4]), o[5]) for o in orders],
        )

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
