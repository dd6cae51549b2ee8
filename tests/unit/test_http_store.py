"""HttpStore against the documented store API, served for real by store/api.py over HTTP."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from store.api import create_app
from store.client import StoreError
from store.demo import DemoStore
from store.http import HttpStore

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.timezone.utc)
TOKEN = "store-test-token"


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[DemoStore]:
    store = DemoStore(tmp_path / "store.db", now=NOW)
    yield store
    store.close()


@pytest.fixture
def remote(serve, demo: DemoStore) -> Iterator[HttpStore]:  # noqa: ANN001
    with serve(create_app(demo, token=TOKEN)) as server:
        client = HttpStore(server.url, token=TOKEN)
        yield client
        client.close()


def test_http_store_reads_what_the_store_holds(remote: HttpStore, demo: DemoStore) -> None:
    for customer_id in ("C1001", "C1002", "C1003"):
        assert remote.customer(customer_id) == demo.customer(customer_id)
    assert remote.shipment("O20261115004") == demo.shipment("O20261115004")
    assert remote.coupons("C1001", NOW.date()) == demo.coupons("C1001", NOW.date())
    assert remote.returns("C1004") == demo.returns("C1004")


def test_unknown_ids_are_none_or_empty(remote: HttpStore) -> None:
    assert remote.customer("C9999") is None
    assert remote.shipment("O0") is None
    assert remote.coupons("C9999", NOW.date()) == []


def test_http_store_creates_returns_and_reports_refusals(remote: HttpStore) -> None:
    created = remote.create_return("C1003", "O20261105006", "refund", "too big")

    assert (created.order_id, created.kind, created.status, created.refund_amount) == ("O20261105006", "refund", "requested", 349.0)
    with pytest.raises(StoreError, match="409"):
        remote.create_return("C1003", "O20261105006", "refund", "again")


def test_a_wrong_token_is_a_store_error(serve, demo: DemoStore) -> None:  # noqa: ANN001
    with serve(create_app(demo, token=TOKEN)) as server:
        client = HttpStore(server.url, token="wrong")
        with pytest.raises(StoreError, match="401"):
            client.customer("C1001")
        client.close()


def test_an_unreachable_or_confused_store_is_a_store_error() -> None:
    def nonsense(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>maintenance</html>")

    with pytest.raises(StoreError, match="not JSON"):
        HttpStore("http://store.test", transport=httpx.MockTransport(nonsense)).customer("C1001")

    def wrong_shape(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"name": "no id"})

    with pytest.raises(StoreError, match="cannot read"):
        HttpStore("http://store.test", transport=httpx.MockTransport(wrong_shape)).customer("C1001")

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    with pytest.raises(StoreError, match="unreachable"):
        HttpStore("http://store.test", transport=httpx.MockTransport(down)).returns("C1001")


def test_the_api_serves_the_documented_shapes(serve, demo: DemoStore) -> None:  # noqa: ANN001
    with serve(create_app(demo)) as server, httpx.Client(base_url=server.url) as http:
        body = http.get("/orders/O20261111002/shipment").json()
        assert set(body) == {"order_id", "carrier", "tracking_no", "events"}
        assert set(body["events"][0]) == {"at", "location", "description"}
        coupons = http.get("/customers/C1001/coupons", params={"today": "2026-11-22"}).json()["coupons"]
        assert set(coupons[0]) == {f.name for f in dataclasses.fields(type(demo.coupons("C1001", NOW.date())[0]))}


def test_remedies_are_done_listed_and_refused_over_http(remote: HttpStore, demo: DemoStore) -> None:
    reship = remote.perform_remedy("C1002", "O20261115004", "reship", 0, "parcel stuck 60 h")
    refund = remote.perform_remedy("C1003", "O20261105006", "refund", 349.0, "torn seam")

    assert (reship.remedy_id, reship.kind, reship.order_id) == ("M7001", "reship", "O20261115004")
    assert remote.remedies("C1002") == demo.remedies("C1002") == [reship]
    assert remote.customer("C1003").orders[0].status == "refunded"  # type: ignore[union-attr]
    assert refund.amount == 349.0
    for customer, order, kind, amount, why in [
        ("C1002", "O20261115004", "reship", 0, "already had a reship"),  # one of each kind per order
        ("C1002", "O20261101001", "gift", 10, "not one of customer C1002"),  # another customer's order
        ("C1001", "O20261118003", "reship", 0, "has not shipped"),  # paid, not shipped
        ("C1001", "O20261101001", "refund", 300, "more than order"),
        ("C1001", "O20261101001", "teleport", 0, "unknown remedy"),
    ]:
        with pytest.raises(StoreError, match="409"):
            remote.perform_remedy(customer, order, kind, amount, "x")
        with pytest.raises(StoreError, match=why):
            demo.perform_remedy(customer, order, kind, amount, "x")
    assert remote.remedies("C9999") == []


def test_http_store_reads_the_catalogue(remote: HttpStore, demo: DemoStore) -> None:
    """#19: the products recommendations are made from, whole or by category."""
    assert remote.products() == demo.products() and len(demo.products()) >= 8
    skincare = remote.products("skincare")
    assert skincare and all(p.category == "skincare" for p in skincare)
    assert "dry" in skincare[0].attributes["skin_types"] and skincare[0].cart_url
