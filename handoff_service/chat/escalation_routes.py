"""Escalations from the action server: signed handoff packets that queue a chat for a person."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError

from handoff_service.chat.deps import get_requests
from handoff_service.chat.requests import ChatRequests
from handoff_service.core.deps import get_settings
from handoff_service.core.errors import (
    BadRequest,
    Conflict,
    NotFound,
    Unauthorized,
    error_responses,
)
from handoff_service.settings import Settings
from kefu_contract.packet import HandoffPacket, SignatureError, verify

router = APIRouter(tags=["escalations"], responses=error_responses(Unauthorized, NotFound, Conflict))


@router.post("/api/escalations", status_code=201)
async def escalate(
    request: Request,
    service: Annotated[ChatRequests, Depends(get_requests)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> dict[str, Any]:
    body = await request.body()
    try:
        signature = verify(
            body,
            dict(request.headers),
            settings.handoff_secret.get_secret_value(),
            settings.escalation_max_age_seconds,
        )
    except SignatureError as exc:
        raise Unauthorized(f"escalation refused: {exc}") from exc
    try:
        packet = HandoffPacket.model_validate_json(body)
    except ValidationError as exc:
        raise BadRequest(f"not a valid handoff packet: {exc.errors()[0]['loc']} {exc.errors()[0]['msg']}") from exc
    position = await service.escalate(packet, signature)
    return {"conversation_id": packet.conversation_id, "state": "queued", "position": position}
