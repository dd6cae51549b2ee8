"""The pages people open: the demo storefront, the agent console, the trainer's page, and the health check."""

from __future__ import annotations

import functools
import html
import re
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from handoff_service.chat.conversations import ConversationService
from handoff_service.chat.deps import get_conversations
from handoff_service.chat.identity import sign_customer
from handoff_service.core.errors import error_responses
from handoff_service.desk.deps import get_desk
from handoff_service.desk.service import DeskService
from handoff_service.settings import Settings

STATIC = Path(__file__).resolve().parent / "static"
WIDGET_TAG = '<script src="/widget.js" defer></script>'
# How long the demo page's signed customer stays valid, as a store might sign for one page view.
DEMO_IDENTITY_SECONDS = 12 * 3600

router = APIRouter(tags=["pages"], responses=error_responses())


DEMO_CUSTOMER = re.compile(r"^C\d{4}$")


@router.get("/", include_in_schema=False)
async def storefront(request: Request) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    # In development `/?customer=C1002` signs in another demo customer (Emma, whose parcel is stuck).
    wanted = request.query_params.get("customer", "")
    if settings.environment == "development" and settings.demo_customer_id and DEMO_CUSTOMER.match(wanted):
        settings = settings.model_copy(update={"demo_customer_id": wanted})
    return HTMLResponse(storefront_html(settings))


@functools.cache
def _storefront_template() -> str:
    page = (STATIC / "storefront.html").read_text(encoding="utf-8")
    if page.count(WIDGET_TAG) != 1:
        raise RuntimeError(f"storefront.html must hold the widget tag {WIDGET_TAG} once")
    return page


def storefront_html(settings: Settings, now: float | None = None) -> str:
    """The demo store's page, its widget tag signed for the demo customer exactly as a store's own
    server signs its logged-in shopper; without a demo customer, or a secret to sign with when
    verification is required, the shopper is a guest."""
    customer = settings.demo_customer_id
    attributes: dict[str, str] = {}
    if customer and settings.identity_secret:
        expires = int(time.time() if now is None else now) + DEMO_IDENTITY_SECONDS
        signature = sign_customer(customer, settings.identity_secret.get_secret_value(), expires)
        attributes = {"customer-id": customer, "customer-expires": str(expires), "customer-signature": signature}
    elif customer and not settings.identity_required:
        attributes = {"customer-id": customer}
    signed = "".join(f' data-{name}="{html.escape(value)}"' for name, value in attributes.items())
    return _storefront_template().replace(WIDGET_TAG, f'<script src="/widget.js"{signed} defer></script>')


@router.get("/console", include_in_schema=False)
async def console() -> FileResponse:
    return FileResponse(STATIC / "console.html")


@router.get("/trainer", include_in_schema=False)
async def trainer() -> FileResponse:
    return FileResponse(STATIC / "trainer.html")


@router.get("/knowledge", include_in_schema=False)
async def knowledge() -> FileResponse:
    return FileResponse(STATIC / "knowledge.html")


@router.get("/widget.js", include_in_schema=False)
async def widget() -> FileResponse:
    return FileResponse(STATIC / "widget.js", media_type="text/javascript")


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, desk: Annotated[DeskService, Depends(get_desk)]) -> Response:
    app_metrics = request.app.state.metrics
    app_metrics.queue_length.set(sum(1 for item in await desk.queue() if item["state"] == "queued"))
    return Response(generate_latest(app_metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/healthz")
async def health(
    request: Request, service: Annotated[ConversationService, Depends(get_conversations)]
) -> dict[str, Any]:
    """The database answers (else an error), and each background loop's last good run: a loop that
    keeps failing says "degraded" (the replica still serves chats; its timers or relays lag)."""
    await service.ping()
    loops = request.app.state.background.public()
    return {"status": "ok" if all(loop["ok"] for loop in loops.values()) else "degraded", "loops": loops}
