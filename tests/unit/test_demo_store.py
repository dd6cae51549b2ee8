"""The demo store: the same realistic customers every time, on SQLite, relative to a fixed clock."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from store.client import StoreError
from store.demo import DemoStore

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DemoStore]:
    demo = DemoStore(tmp_path / "var" / "store.db", now=NOW)
    yield demo
    demo.close()


def test_vip_customer_has_three_orders_newest_first(store: DemoStore) -> None:
    customer = store.customer("C1001")

    assert customer is not None
    assert (customer.name, customer.is_vip, customer.past_complaints) == ("林晓雨", True, 0)
    assert [o.order_id for o in customer.orders] == ["O20261118003", "O20261111002", "O20261101001"]
    assert [o.status for o in customer.orders] == ["paid", "shipped", "delivered"]
    assert [o.created_at for o in customer.orders] == ["2026-11-18", "2026-11-11", "2026-11-01"]
    assert customer.orders[1].items == ["加厚羽绒服 黑色 L", "羊绒围巾"]
    assert customer.orders[1].logistics == "【上海浦东集散中心】快件到达，正在安排派送"
    assert customer.orders[0].logistics is None


def test_spend_and_average_order_value_count_every_order_that_was_not_refunded(store: DemoStore) -> None:
    vip = store.customer("C1001")
    with_refund = store.customer("C1003")

    assert vip is not None and with_refund is not None
    assert (vip.total_spend, vip.average_order_value) == (856.0, 285.33)
    assert [o.status for o in with_refund.orders] == ["delivered", "refunded"]
    assert (with_refund.total_spend, with_refund.average_order_value) == (349.0, 349.0)


def test_the_customer_with_a_past_complaint_and_the_repeat_buyers(store: DemoStore) -> None:
    complainer, repeat = store.customer("C1003"), store.customer("C1004")

    assert complainer is not None and repeat is not None
    assert complainer.past_complaints == 1
    assert len(repeat.orders) == 5 and "复购" in repeat.tags


def test_a_shipment_has_been_stuck_for_more_than_48_hours(store: DemoStore) -> None:
    shipment = store.shipment("O20261115004")

    assert shipment is not None
    assert (shipment.carrier, shipment.tracking_no) == ("YTO Express", "YT9001234567")
    assert shipment.latest is not None and shipment.latest.description == "Arrived at Guangzhou hub"
    assert shipment.hours_without_update(NOW) == 60.0
    moving = store.shipment("O20261111002")
    assert moving is not None and moving.hours_without_update(NOW) == 6.0
    assert [e.location for e in moving.events] == ["杭州", "杭州转运中心", "上海"]


def test_unpaid_or_unknown_orders_have_no_shipment(store: DemoStore) -> None:
    assert store.shipment("O20261118003") is None
    assert store.shipment("nope") is None


def test_only_usable_coupons_best_first(store: DemoStore) -> None:
    coupons = store.coupons("C1001", NOW.date())

    assert [c.code for c in coupons] == ["SHOP20", "VIP10"]  # not the expired one, not the used one
    assert coupons[0].title("zh") == "店铺券 满 199 减 20" and coupons[0].valid_until == "2026-12-02"
    assert store.coupons("C1001", NOW.date() + dt.timedelta(days=11)) == [coupons[1]]
    assert store.coupons("C9999", NOW.date()) == []


def test_returns_newest_first_and_a_new_return(store: DemoStore) -> None:
    assert [(r.return_id, r.status) for r in store.returns("C1004")] == [("R5002", "in_transit")]

    created = store.create_return("C1004", "O20261116011", "exchange", "size")

    assert (created.return_id, created.kind, created.status, created.refund_amount) == ("R5004", "exchange", "requested", None)
    assert [r.return_id for r in store.returns("C1004")] == ["R5004", "R5002"]


@pytest.mark.parametrize(
    ("customer_id", "order_id", "why"),
    [
        ("C1004", "O20261118003", "not one of"),  # someone else's order
        ("C1001", "O20261118003", "not been delivered"),
        ("C1004", "O20261108010", "already has return"),
    ],
)
def test_returns_that_are_not_allowed_are_refused(store: DemoStore, customer_id: str, order_id: str, why: str) -> None:
    with pytest.raises(StoreError, match=why):
        store.create_return(customer_id, order_id, "refund", "")


def test_unknown_customer_is_none(store: DemoStore) -> None:
    assert store.customer("C9999") is None
    assert store.customer("") is None


def test_two_stores_seeded_at_the_same_moment_hold_the_same_data(tmp_path: Path) -> None:
    one, other = DemoStore(tmp_path / "one.db", now=NOW), DemoStore(tmp_path / "other.db", now=NOW)
    try:
        for customer_id in ("C1001", "C1002", "C1003", "C1004", "C1005"):
            assert one.customer(customer_id) == other.customer(customer_id)
            assert one.returns(customer_id) == other.returns(customer_id)
    finally:
        one.close()
        other.close()


def test_second_store_on_the_same_file_does_not_seed_again(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    first = DemoStore(path, now=NOW)
    assert first.customer("C1001") is not None
    first.close()
    later = DemoStore(path, now=NOW + dt.timedelta(days=30))
    try:
        assert later.customer("C1001").orders[0].created_at == "2026-11-18"  # type: ignore[union-attr]
    finally:
        later.close()

    with sqlite3.connect(path) as db:
        counts = (db.execute("SELECT COUNT(*) FROM customers").fetchone()[0], db.execute("SELECT COUNT(*) FROM orders").fetchone()[0])
    assert counts == (7, 18)  # five customers with their orders, and the two of the proactive demo (issue #16)


def test_store_reopens_after_close(store: DemoStore) -> None:
    assert store.customer("C1002") is not None
    store.close()

    assert store.customer("C1002").name == "Emma Zhang"  # type: ignore[union-attr]


def test_a_demo_file_from_an_older_kefu_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    with sqlite3.connect(path) as db:  # the walking skeleton's schema
        db.executescript(
            "CREATE TABLE customers (id TEXT PRIMARY KEY, name TEXT, tags TEXT, past_complaints INTEGER);"
            "CREATE TABLE orders (id TEXT PRIMARY KEY, customer_id TEXT, status TEXT, total REAL, created_at TEXT, items TEXT, logistics TEXT);"
            "INSERT INTO customers VALUES ('C1001', '林晓雨', '[]', 0);"
        )
    store = DemoStore(path, now=NOW)
    try:
        customer = store.customer("C1001")
        assert customer is not None and len(customer.orders) == 3 and customer.is_vip
    finally:
        store.close()
