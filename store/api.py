"""The store REST contract served from any StoreClient (a reference server for HttpStore).

`create_app(DemoStore(...))` serves the demo store exactly as a real store must answer
(store/README.md): integrators compare their API with it, and the tests run HttpStore
against it over real HTTP. Run it with `python -m store.api` (serves var/store.db).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel

from store.client import StoreClient, StoreError


class ReturnCreate(BaseModel):
    customer_id: str
    order_id: str
    kind: str
    reason: str = ""


class CouponCreate(BaseModel):
    amount: float
    reason: str = ""
    valid_days: int = 30


class RemedyCreate(BaseModel):
    order_id: str
    kind: str
    amount: float = 0.0
    reason: str = ""


def create_app(store: StoreClient, token: str | None = None) -> FastAPI:
    """The eight endpoints; with `token`, every request must carry `Authorization: Bearer <token>`."""
    app = FastAPI(title="kefu store API (reference)")

    @app.middleware("http")
    async def check_token(request: Request, call_next: Any) -> Any:
        from fastapi.responses import JSONResponse

        if token and request.headers.get("authorization") != f"Bearer {token}":
            return JSONResponse({"detail": "bad or missing token"}, status_code=401)
        return await call_next(request)

    @app.get("/customers/{customer_id}")
    def customer(customer_id: str) -> dict[str, Any]:
        found = store.customer(customer_id)
        if found is None:
            raise HTTPException(404, "no such customer")
        return {**dataclasses.asdict(found), "past_complaints": found.past_complaints}

    @app.get("/orders/{order_id}/shipment")
    def shipment(order_id: str) -> dict[str, Any]:
        found = store.shipment(order_id)
        if found is None:
            raise HTTPException(404, "no shipment for this order")
        return dataclasses.asdict(found)

    @app.get("/customers/{customer_id}/coupons")
    def coupons(customer_id: str, today: dt.date) -> dict[str, Any]:
        return {"coupons": [dataclasses.asdict(c) for c in store.coupons(customer_id, today)]}

    @app.get("/customers/{customer_id}/returns")
    def returns(customer_id: str) -> dict[str, Any]:
        return {"returns": [dataclasses.asdict(r) for r in store.returns(customer_id)]}

    @app.post("/returns", status_code=201)
    def create_return(body: ReturnCreate) -> dict[str, Any]:
        try:
            created = store.create_return(body.customer_id, body.order_id, body.kind, body.reason)
        except StoreError as exc:
            raise HTTPException(409, str(exc)) from exc
        return dataclasses.asdict(created)

    @app.post("/customers/{customer_id}/coupons", status_code=201)
    def issue_coupon(customer_id: str, body: CouponCreate) -> dict[str, Any]:
        try:
            created = store.issue_coupon(customer_id, body.amount, body.reason, body.valid_days)
        except StoreError as exc:
            raise HTTPException(409, str(exc)) from exc
        return dataclasses.asdict(created)

    @app.get("/customers/{customer_id}/remedies")
    def remedies(customer_id: str) -> dict[str, Any]:
        return {"remedies": [dataclasses.asdict(r) for r in store.remedies(customer_id)]}

    @app.post("/customers/{customer_id}/remedies", status_code=201)
    def perform_remedy(customer_id: str, body: RemedyCreate) -> dict[str, Any]:
        try:
            done = store.perform_remedy(customer_id, body.order_id, body.kind, body.amount, body.reason)
        except StoreError as exc:
            raise HTTPException(409, str(exc)) from exc
        return dataclasses.asdict(done)

    @app.get("/orders/changes")
    def order_changes(cursor: str | None = None, limit: int = 500) -> dict[str, Any]:
        try:
            page = store.order_changes(cursor, min(max(limit, 1), 1000))
        except StoreError as exc:
            raise HTTPException(400, str(exc)) from exc
        return {"orders": [dataclasses.asdict(o) for o in page.orders], "cursor": page.cursor}

    @app.get("/orders")
    def orders_placed(since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
        return {"orders": [dataclasses.asdict(o) for o in store.orders_placed(since, until)]}

    @app.get("/products")
    def products(category: str | None = None) -> dict[str, Any]:
        """#19: the catalogue recommendations come from."""
        return {"products": [dataclasses.asdict(p) for p in store.products(category)]}

    return app


if __name__ == "__main__":  # pragma: no cover - a convenience for integrators
    from pathlib import Path

    import uvicorn

    from store.demo import DemoStore

    uvicorn.run(create_app(DemoStore(Path("var/store.db"))), host="127.0.0.1", port=8100)
