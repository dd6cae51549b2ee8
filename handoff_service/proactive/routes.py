"""Proactive service's HTTP: the store's signed webhook, and the staff's overview, scan and
per-customer preferences."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import Field
from sqlalchemy.exc import IntegrityError

from handoff_service.core.deps import (
    DESK_ROLES,
    SUPERVISOR_ROLES,
    get_settings,
    require_role,
)
from handoff_service.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    PayloadTooLarge,
    Unauthorized,
    error_responses,
)
from handoff_service.core.inputs import Input
from handoff_service.core.models import (
    Agent,
    ProactivePreference,
    StoreWebhookReceipt,
    utcnow,
)
from handoff_service.proactive.overview import overview
from handoff_service.proactive.rules import RulesError
from handoff_service.proactive.service import ProactiveService
from handoff_service.proactive.webhook import read_batch
from handoff_service.settings import Settings
from kefu_contract.packet import SignatureError, verify

router = APIRouter(tags=["proactive"], responses=error_responses(Unauthorized, Forbidden, Conflict, PayloadTooLarge))


def get_proactive(request: Request) -> ProactiveService:
    return request.app.state.proactive


Proactive = Annotated[ProactiveService, Depends(get_proactive)]
CustomerId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\s\x00-\x1f\x7f]{1,64}$")]


@router.post("/api/store/events", status_code=202)
async def store_events(request: Request, service: Proactive, settings: Annotated[Settings, Depends(get_settings)]) -> dict[str, Any]:
    """The store's order and shipment changes, `{"events": [{"type": "shipment.updated", "order": {…}}]}`,
    signed like an escalation (X-Kefu-Timestamp, X-Kefu-Signature: HMAC-SHA256 of "<timestamp>.<body>"
    with KEFU_STORE_WEBHOOK_SECRET). Unsigned or wrongly signed: 401; replayed: 409; too big: 413."""
    secret = settings.store_webhook_key
    if secret is None:
        raise Unauthorized("store webhook refused: KEFU_STORE_WEBHOOK_SECRET is not set on this service")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.store_webhook_max_bytes:
        raise PayloadTooLarge(f"store webhook refused: the body is larger than {settings.store_webhook_max_bytes} bytes; send smaller batches")
    body = await request.body()
    if len(body) > settings.store_webhook_max_bytes:
        raise PayloadTooLarge(f"store webhook refused: the body is larger than {settings.store_webhook_max_bytes} bytes; send smaller batches")
    try:
        signature = verify(body, dict(request.headers), secret, settings.store_webhook_max_age_seconds)
    except SignatureError as exc:
        raise Unauthorized(f"store webhook refused: {exc}") from exc
    try:
        raw = json.loads(body)
    except ValueError as exc:
        raise BadRequest("store webhook refused: the body is not JSON") from exc
    events = raw.get("events") if isinstance(raw, dict) else None
    if not isinstance(events, list):
        raise BadRequest('store webhook refused: expected {"events": [ … ]}')
    if len(events) > settings.store_webhook_max_events:
        raise PayloadTooLarge(f"store webhook refused: at most {settings.store_webhook_max_events} events per call")
    async with service.sessions() as session:
        session.add(StoreWebhookReceipt(signature=signature, events=len(events), received_at=utcnow()))
        try:
            await session.commit()
        except IntegrityError as exc:
            raise Conflict("store webhook refused: replayed (this signed call was already received)") from exc
    orders, rejected = read_batch(events)
    try:
        report = await service.ingest(orders) if orders else None
    except RulesError as exc:
        raise Conflict(f"events kept, but the proactive rules cannot be used: {exc}") from exc
    return {
        "accepted": len(orders),
        "rejected": rejected,
        "alerts": [a.public() for a in report.alerts] if report else [],
    }


@router.get("/api/proactive/overview")
async def proactive_overview(service: Proactive, _: Annotated[Agent, Depends(require_role(*SUPERVISOR_ROLES))]) -> dict[str, Any]:
    try:
        rules = service.rules
        problem = None
    except RulesError as exc:
        rules, problem = None, str(exc)
    return {**await overview(service.sessions, rules, service.now(), service.zone), "rules_error": problem}


@router.post("/api/proactive/scan")
async def scan_now(service: Proactive, _: Annotated[Agent, Depends(require_role(*SUPERVISOR_ROLES))], dry_run: bool = False) -> dict[str, Any]:
    try:
        return (await service.scan(dry_run=dry_run)).public()
    except RulesError as exc:
        raise Conflict(str(exc)) from exc


class PreferenceBody(Input):
    opt_out: bool = False
    channel: Literal["chat", "email", "webhook"] = "email"
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    phone: str | None = Field(default=None, max_length=32, pattern=r"^\+?[0-9 -]{5,32}$")


def preference_public(customer_id: str, pref: ProactivePreference | None) -> dict[str, Any]:
    if pref is None:
        return {"customer_id": customer_id, "opt_out": False, "channel": None, "email": None, "phone": None}
    return {"customer_id": customer_id, "opt_out": pref.opt_out, "channel": pref.channel, "email": pref.email, "phone": pref.phone}


@router.get("/api/proactive/preferences/{customer_id}")
async def get_preference(customer_id: CustomerId, service: Proactive, _: Annotated[Agent, Depends(require_role(*DESK_ROLES))]) -> dict[str, Any]:
    async with service.sessions() as session:
        return preference_public(customer_id, await session.get(ProactivePreference, customer_id))


@router.put("/api/proactive/preferences/{customer_id}")
async def set_preference(
    customer_id: CustomerId, body: PreferenceBody, service: Proactive, _: Annotated[Agent, Depends(require_role(*DESK_ROLES))]
) -> dict[str, Any]:
    return await service.set_preference(customer_id, body.opt_out, body.channel, body.email, body.phone)
