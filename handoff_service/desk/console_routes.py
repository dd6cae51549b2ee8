"""The console's helpers around a chat: customer 360, suggested replies, one-click remedies,
supervisor approvals and the audit log."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import Field

from handoff_service.core.deps import DESK_ROLES, SUPERVISOR_ROLES, require_role
from handoff_service.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    error_responses,
)
from handoff_service.core.inputs import MAX_ROW_ID, Input
from handoff_service.core.models import Agent
from handoff_service.core.texts import say
from handoff_service.desk.customers import CustomerDirectory
from handoff_service.desk.deps import (
    get_customers,
    get_desk,
    get_remedies,
    get_suggester,
)
from handoff_service.desk.remedies import Remedies
from handoff_service.desk.service import DeskService
from handoff_service.desk.suggestions import Suggester, SuggestionsUnavailable

ORDER_STATUSES = ("paid", "shipped", "delivered", "refunded", "cancelled")

router = APIRouter(
    prefix="/api/agent", tags=["console"], responses=error_responses(Unauthorized, Forbidden, NotFound, Conflict)
)

DeskAgent = Annotated[Agent, Depends(require_role(*DESK_ROLES))]
Supervisor = Annotated[Agent, Depends(require_role(*SUPERVISOR_ROLES))]
Desk = Annotated[DeskService, Depends(get_desk)]


Customers = Annotated[CustomerDirectory, Depends(get_customers)]
RemedyDesk = Annotated[Remedies, Depends(get_remedies)]


class NoteBody(Input):
    text: str = Field(default="", max_length=2000)
    tags: list[str] = Field(default_factory=list, max_length=20)


class CouponBody(Input):
    amount: float = Field(gt=0, le=10_000)
    reason: str = Field(default="", max_length=500)


class ReturnBody(Input):
    order_id: str = Field(min_length=1, max_length=64)
    kind: Literal["refund", "exchange"]
    reason: str = Field(default="", max_length=500)


class DecisionBody(Input):
    approve: bool


@router.get("/customers/{customer_id}")
async def customer(customer_id: str, agent: DeskAgent, customers: Customers) -> dict[str, Any]:
    return await customers.profile(customer_id) or {}


@router.post("/customers/{customer_id}/notes", status_code=201)
async def add_note(customer_id: str, body: NoteBody, agent: DeskAgent, customers: Customers) -> dict[str, Any]:
    await customers.add_note(agent, customer_id, body.text, body.tags)
    return await customers.profile(customer_id) or {}


async def placeholder_values(detail: dict[str, Any], customers: CustomerDirectory, agent: Agent) -> dict[str, str]:
    """What canned replies and the reply library fill in: the customer, the agent, the latest order."""
    profile = await customers.profile(detail["customer_id"]) or {}
    order = (profile.get("orders") or [{}])[0]
    return {
        "name": profile.get("name") or "",
        "agent": agent.display_name,
        "order_id": order.get("order_id") or "",
        "order_status": say(f"order_{order['status']}", detail["lang"]) if order.get("status") in ORDER_STATUSES else order.get("status") or "",
        "logistics": order.get("logistics") or "",
    }


@router.get("/conversations/{conversation_id}/suggestions")
async def suggestions(
    conversation_id: str, agent: DeskAgent, desk: Desk, customers: Customers,
    suggester: Annotated[Suggester, Depends(get_suggester)],
) -> dict[str, Any]:
    detail = await desk.detail(conversation_id)
    last = next((e["text"] for e in reversed(detail["events"]) if e["sender"] == "shopper" and e["kind"] == "message"), "")
    values = await placeholder_values(detail, customers, agent)
    try:
        knowledge, knowledge_error = await suggester.knowledge(last, detail["lang"]), None
    except SuggestionsUnavailable as exc:
        knowledge, knowledge_error = [], exc.message
    return {
        "for_message": last,
        "knowledge": knowledge,
        "knowledge_error": knowledge_error,
        "canned": suggester.canned(detail["lang"], values),
    }


@router.post("/conversations/{conversation_id}/coupon")
async def offer_coupon(conversation_id: str, body: CouponBody, agent: DeskAgent, remedies: RemedyDesk) -> dict[str, Any]:
    return await remedies.offer_coupon(agent, conversation_id, body.amount, body.reason)


@router.post("/conversations/{conversation_id}/return", status_code=201)
async def start_return(conversation_id: str, body: ReturnBody, agent: DeskAgent, remedies: RemedyDesk) -> dict[str, Any]:
    return await remedies.start_return(agent, conversation_id, body.order_id, body.kind, body.reason)


@router.get("/approvals")
async def approvals(agent: Supervisor, remedies: RemedyDesk) -> dict[str, Any]:
    return {"pending": await remedies.pending()}


@router.post("/approvals/{request_id}")
async def decide(request_id: Annotated[int, Path(ge=0, le=MAX_ROW_ID)], body: DecisionBody, agent: Supervisor, remedies: RemedyDesk) -> dict[str, Any]:
    return await remedies.decide(agent, request_id, body.approve)


@router.get("/audit")
async def audit(agent: Supervisor, remedies: RemedyDesk, conversation_id: str | None = None) -> dict[str, Any]:
    return {"entries": await remedies.audit(conversation_id)}
