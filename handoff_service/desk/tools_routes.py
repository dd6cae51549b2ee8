"""#19's console API: photos in a chat and remedies beyond coupons with approval here; senior help,
whispers and promises (teamwork_routes), the reply library and shifts (planning_routes) included below."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import Field

from handoff_service.core.attachments import Attachments
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
    NotFound,
    Unauthorized,
    error_responses,
)
from handoff_service.core.events import event_public
from handoff_service.core.hub import notify
from handoff_service.core.inputs import MAX_ROW_ID, Input
from handoff_service.core.models import Agent, Conversation
from handoff_service.core.states import State
from handoff_service.desk import planning_routes, teamwork_routes
from handoff_service.desk.deps import get_remedies
from handoff_service.desk.remedies import Remedies, remedy_limit
from handoff_service.settings import Settings
from store.client import REMEDY_KINDS

router = APIRouter(
    prefix="/api/agent", tags=["console"], responses=error_responses(Unauthorized, Forbidden, NotFound, Conflict)
)

DeskAgent = Annotated[Agent, Depends(require_role(*DESK_ROLES))]
Supervisor = Annotated[Agent, Depends(require_role(*SUPERVISOR_ROLES))]
RemedyDesk = Annotated[Remedies, Depends(get_remedies)]
PHOTO_HEADERS = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
ATTACHMENT_ID = r"^[0-9a-f]{32}$"
RowId = Annotated[int, Path(ge=0, le=MAX_ROW_ID)]


def get_attachments(request: Request) -> Attachments:
    return request.app.state.attachments


Photos = Annotated[Attachments, Depends(get_attachments)]


# --- photos -------------------------------------------------------------------------------------


def _may_read(agent: Agent, conv: Conversation) -> None:
    """Supervisors any chat; an agent the chats they hold and those waiting for someone to take them."""
    if agent.role in SUPERVISOR_ROLES or conv.assigned_agent_id == agent.id or conv.state in (State.QUEUED, State.CALLBACK):
        return
    raise Forbidden("这张图片属于其他客服的会话。This photo belongs to another agent's chat.")


@router.post("/conversations/{conversation_id}/attachments", status_code=201,
             openapi_extra={"requestBody": {"content": {"image/*": {"schema": {"type": "string", "format": "binary"}}}}})
async def send_photo(conversation_id: str, request: Request, agent: DeskAgent, photos: Photos) -> dict[str, Any]:
    """A photo from the chat's agent to the shopper (the raw bytes as the body)."""
    conv = await photos.chat(conversation_id)
    if conv.state != State.AGENT or conv.assigned_agent_id != agent.id:
        raise Forbidden("this conversation is not assigned to you")
    stored = await photos.add(conv.id, await request.body(), "agent", agent_id=agent.id, agent_name=agent.display_name)
    notify(request.app.state.hub, conv.id)
    return {"event": event_public(stored["event"]), "attachment": stored["attachment"]}


@router.get("/conversations/{conversation_id}/attachments/{attachment_id}", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}})
async def read_photo(
    conversation_id: str, attachment_id: Annotated[str, Path(pattern=ATTACHMENT_ID)], agent: DeskAgent, photos: Photos
) -> Response:
    _may_read(agent, await photos.chat(conversation_id))
    data, content_type = await photos.read(conversation_id, attachment_id)
    return Response(data, media_type=content_type, headers=PHOTO_HEADERS)


# --- remedies beyond coupons --------------------------------------------------------------------


class RemedyBody(Input):
    order_id: str = Field(min_length=1, max_length=64)
    kind: str = Field(min_length=1, max_length=32)
    amount: float = Field(default=0.0, ge=0, le=100_000)
    reason: str = Field(default="", max_length=500)


class DecisionBody(Input):
    approve: bool


@router.post("/conversations/{conversation_id}/remedy")
async def offer_remedy(conversation_id: str, body: RemedyBody, agent: DeskAgent, remedies: RemedyDesk) -> dict[str, Any]:
    if body.kind not in REMEDY_KINDS:
        raise BadRequest(f"kind must be one of {', '.join(REMEDY_KINDS)}")
    return await remedies.offer_remedy(agent, conversation_id, body.order_id, body.kind, body.amount, body.reason)


@router.get("/remedy-approvals")
async def remedy_approvals(agent: Supervisor, remedies: RemedyDesk) -> dict[str, Any]:
    return {"pending": await remedies.pending_remedies()}


@router.post("/remedy-approvals/{request_id}")
async def decide_remedy(request_id: RowId, body: DecisionBody, agent: Supervisor, remedies: RemedyDesk) -> dict[str, Any]:
    return await remedies.decide_remedy(agent, request_id, body.approve)


@router.get("/authority")
async def authority(agent: DeskAgent, settings: Annotated[Settings, Depends(get_settings)]) -> dict[str, Any]:
    """The authority table, and this account's own row (what the console's remedy form shows)."""
    kinds = ("coupon", *REMEDY_KINDS)
    table = {role: {k: remedy_limit(settings, role, k) for k in kinds} for role in ("bot", "agent", "supervisor")}
    mine = {k: remedy_limit(settings, agent.role, k) for k in kinds}
    return {"table": table, "mine": {k: (None if v == float("inf") else v) for k, v in mine.items()}}


@router.get("/customers/{customer_id}/remedies")
async def customer_remedies(customer_id: str, agent: DeskAgent, remedies: RemedyDesk) -> dict[str, Any]:
    """Every coupon and remedy asked for this customer, with who asked and who approved (customer 360)."""
    return {"remedies": await remedies.history(customer_id)}



router.include_router(teamwork_routes.router)
router.include_router(planning_routes.router)
