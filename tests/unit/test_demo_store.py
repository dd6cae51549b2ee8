"""The demo store: the same realistic customers every time, on SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from store.demo import DemoStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DemoStore]:
    demo = DemoStore(tmp_path / "var" / "store.db")
    yield demo
    demo.close()


def test_vip_customer_has_three_orders_newest_first(store: DemoStore) -> None:
    customer = store.customer("C1001")

    assert customer is not None
    assert customer.name == "林晓雨"
    assert "VIP" in customer.tags
    assert customer.past_complaints == 0
    assert [o.order_id for o in customer.orders] == ["O20261118003", "O20261111002", "O20261101001"]
    assert [o.status for o in customer.orders] == ["paid", "shipped", "delivered"]
    assert customer.orders[1].items == ["加厚羽绒服 黑色 L", "羊绒围巾"]
    assert customer.orders[1].logistics == "【杭州转运中心】已发出，下一站：上海"
    assert customer.orders[0].logistics is None


def test_spend_and_average_order_value_count_every_order_that_was_not_refunded(store: DemoStore) -> None:
    vip = store.customer("C1001")
    with_refund = store.customer("C1003")

    assert vip is not None and with_refund is not None
    assert (vip.total_spend, vip.average_order_value) == (856.0, 285.33)
    assert [o.status for o in with_refund.orders] == ["delivered", "refunded"]
    assert (with_refund.total_spend, with_refund.average_order_value) == (349.0, 349.0)
    assert with_refund.past_complaints == 1


def test_unknown_customer_is_none(store: DemoStore) -> None:
    assert store.customer("C9999") is None
    assert store.customer("") is None


def test_two_stores_on_two_files_hold_the_same_data(tmp_path: Path) -> None:
    one, other = DemoStore(tmp_path / "one.db"), DemoStore(tmp_path / "other.db")
    try:
        for customer_id in ("C1001", "C1002", "C1003"):
            assert one.customer(customer_id) == other.customer(customer_id)
    finally:
        one.close()
        other.close()


def test_second_store_on_the_same_file_does_not_seed_again(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    first = DemoStore(path)
    assert first.customer("C1001") is not None
    first.close()
    second, third = DemoStore(path), DemoStore(path)
    try:
        assert len(second.customer("C1001").orders) == 3  # type: ignore[union-attr]
        assert len(third.customer("C1002").orders) == 1  # type: ignore[union-attr]
    finally:
        second.close()
        third.close()

    with sqlite3.connect(path) as db:
        counts = (db.execute("SELECT COUNT(*) FROM customers").fetchone()[0], db.execute("SELECT COUNT(*) FROM orders").fetchone()[0])
    assert counts == (3, 6)


def test_store_reopens_after_close(store: DemoStore) -> None:
    assert store.customer("C1002") is not None
    store.close()

    assert store.customer("C1002").name == "Emma Zhang"  # type: ignore[union-attr]
