"""The store adapter for a real store: its REST API, as documented in store/README.md.

A store platform (Shopify app, 有赞/微店 middleware, an in-house ERP) exposes five endpoints;
kefu calls them with a bearer token and a short timeout. `store/api.py` serves the same
contract from any StoreClient, which is how the tests check this client over real HTTP.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from store.client import (
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
)


class HttpStore:
    """Synchronous on purpose: the actions call the store through `asyncio.to_thread`."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport
        )

    def _get(self, path: str, params: dict[str, str] | None = None) -> Any:
        """The JSON body, or None for a 404; StoreError for anything else that is not 2xx."""
        try:
            response = self._http.get(path, params=params)
        except httpx.HTTPError as exc:
            raise StoreError(f"store unreachable: {exc!r}") from exc
        if response.status_code == 404:
            return None
        return _json(response)

    def customer(self, customer_id: str) -> Customer | None:
        body = self._get(f"/customers/{customer_id}")
        if body is None:
            return None
        try:
            return Customer(
                customer_id=body["customer_id"],
                name=body.get("name") or "",
                tags=list(body.get("tags") or []),
                past_complaints=int(body.get("past_complaints") or 0),
                orders=[
                    Order(
                        order_id=o["order_id"],
                        status=o["status"],
                        total=float(o["total"]),
                        created_at=o["created_at"],
                        items=list(o.get("items") or []),
                        logistics=o.get("logistics"),
                        delivered_at=o.get("delivered_at"),
                    )
                    for o in body.get("orders") or []
                ],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreError(f"store sent a customer kefu cannot read: {exc!r}") from exc

    def shipment(self, order_id: str) -> Shipment | None:
        body = self._get(f"/orders/{order_id}/shipment")
        if body is None:
            return None
        try:
            return Shipment(
                order_id=body["order_id"],
                carrier=body.get("carrier") or "",
                tracking_no=body.get("tracking_no") or "",
                events=[LogisticsEvent(e["at"], e.get("location") or "", e["description"]) for e in body.get("events") or []],
            )
        except (KeyError, TypeError) as exc:
            raise StoreError(f"store sent a shipment kefu cannot read: {exc!r}") from exc

    def coupons(self, customer_id: str, today: dt.date) -> list[Coupon]:
        body = self._get(f"/customers/{customer_id}/coupons", {"today": today.isoformat()})
        try:
            return [Coupon(**c) for c in (body or {}).get("coupons", [])]
        except TypeError as exc:
            raise StoreError(f"store sent coupons kefu cannot read: {exc!r}") from exc

    def returns(self, customer_id: str) -> list[ReturnRequest]:
        body = self._get(f"/customers/{customer_id}/returns")
        try:
            return [ReturnRequest(**r) for r in (body or {}).get("returns", [])]
        except TypeError as exc:
            raise StoreError(f"store sent returns kefu cannot read: {exc!r}") from exc

    def create_return(self, customer_id: str, order_id: str, kind: str, reason: str) -> ReturnRequest:
        payload = {"customer_id": customer_id, "order_id": order_id, "kind": kind, "reason": reason}
        try:
            response = self._http.post("/returns", json=payload)
        except httpx.HTTPError as exc:
            raise StoreError(f"store unreachable: {exc!r}") from exc
        body = _json(response)
        try:
            return ReturnRequest(**body)
        except TypeError as exc:
            raise StoreError(f"store sent a return kefu cannot read: {exc!r}") from exc

    def issue_coupon(self, customer_id: str, amount: float, reason: str, valid_days: int) -> Coupon:
        payload = {"amount": amount, "reason": reason, "valid_days": valid_days}
        try:
            response = self._http.post(f"/customers/{customer_id}/coupons", json=payload)
        except httpx.HTTPError as exc:
            raise StoreError(f"store unreachable: {exc!r}") from exc
        body = _json(response)
        try:
            return Coupon(**body)
        except TypeError as exc:
            raise StoreError(f"store sent a coupon kefu cannot read: {exc!r}") from exc

    def perform_remedy(self, customer_id: str, order_id: str, kind: str, amount: float, reason: str) -> Remedy:
        payload = {"order_id": order_id, "kind": kind, "amount": amount, "reason": reason}
        try:
            response = self._http.post(f"/customers/{customer_id}/remedies", json=payload)
        except httpx.HTTPError as exc:
            raise StoreError(f"store unreachable: {exc!r}") from exc
        body = _json(response)
        try:
            return Remedy(**body)
        except TypeError as exc:
            raise StoreError(f"store sent a remedy kefu cannot read: {exc!r}") from exc

    def remedies(self, customer_id: str) -> list[Remedy]:
        body = self._get(f"/customers/{customer_id}/remedies")
        try:
            return [Remedy(**r) for r in (body or {}).get("remedies", [])]
        except TypeError as exc:
            raise StoreError(f"store sent remedies kefu cannot read: {exc!r}") from exc

    def close(self) -> None:
        self._http.close()

    def products(self, category: str | None = None) -> list[Product]:
        """#19: GET /products[?category=…] → {"products": [{sku, name_zh, name_en, category, price, attributes, …}]}."""
        body = self._get("/products", {"category": category} if category else None)
        try:
            return [Product(**p) for p in (body or {}).get("products", [])]
        except TypeError as exc:
            raise StoreError(f"store sent products kefu cannot read: {exc!r}") from exc

    # --- proactive service (issue #16) -----------------------------------------------------------

    def order_changes(self, cursor: str | None, limit: int = 500) -> OrderChanges:
        params = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
        body = self._get("/orders/changes", params)
        try:
            return OrderChanges([OrderTracking(**o) for o in body["orders"]], str(body["cursor"]))
        except (KeyError, TypeError) as exc:
            raise StoreError(f"store sent order changes kefu cannot read: {exc!r}") from exc

    def orders_placed(self, since: dt.datetime, until: dt.datetime) -> list[PlacedOrder]:
        body = self._get("/orders", {"since": since.isoformat(), "until": until.isoformat()}) or {}
        try:
            return [PlacedOrder(**order) for order in body.get("orders") or []]
        except TypeError as exc:
            raise StoreError(f"store sent an order kefu cannot read: {exc!r}") from exc


def _json(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        detail = response.text[:200]
        raise StoreError(f"store answered {response.status_code}: {detail}")
    try:
        return response.json()
    except ValueError as exc:
        raise StoreError("store answered with something that is not JSON") from exc
