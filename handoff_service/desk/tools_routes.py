"""#19's console API: photos in a chat, remedies beyond coupons with approval, senior help and
whispers, shifts and suggested staffing."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import Field
from sqlalchemy import delete, select

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
from handoff_service.core.hours import DAYS, suggested_staffing
from handoff_service.core.hub import notify
from handoff_service.core.inputs import MAX_ROW_ID, Input
from handoff_service.core.models import Agent, AgentShift, Conversation, utcnow
from handoff_service.core.states import State
from handoff_service.desk.assist import SeniorHelp
from handoff_service.desk.console_routes import placeholder_values
from handoff_service.desk.customers import CustomerDirectory
from handoff_service.desk.deps import get_customers, get_desk, get_remedies
from handoff_service.desk.promises import Promises
from handoff_service.desk.remedies import Remedies, remedy_limit
from handoff_service.desk.replies import TONES, ReplyLibrary, suggest_tone
from handoff_service.desk.service import DeskService
from handoff_service.desk.sweeper import opening_hours, staffed
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


def get_help(request: Request) -> SeniorHelp:
    return request.app.state.senior_help


Photos = Annotated[Attachments, Depends(get_attachments)]
Help = Annotated[SeniorHelp, Depends(get_help)]


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


# --- senior help and whispers -------------------------------------------------------------------


class HelpBody(Input):
    note: str = Field(default="", max_length=500)


class WhisperBody(Input):
    text: str = Field(min_length=1, max_length=2000)


@router.post("/conversations/{conversation_id}/help", status_code=201)
async def ask_for_help(conversation_id: str, body: HelpBody, agent: DeskAgent, help: Help) -> dict[str, Any]:
    return await help.ask(agent, conversation_id, body.note)


@router.get("/help-requests")
async def help_requests(agent: Supervisor, help: Help) -> dict[str, Any]:
    return {"requests": await help.requests(), "target_seconds": help.target_seconds}


@router.post("/help-requests/{request_id}/join")
async def join_help(request_id: RowId, agent: Supervisor, help: Help) -> dict[str, Any]:
    return await help.join(agent, request_id)


@router.post("/conversations/{conversation_id}/take-over", status_code=204)
async def take_over(conversation_id: str, agent: Supervisor, help: Help) -> None:
    await help.take_over(agent, conversation_id)


@router.post("/conversations/{conversation_id}/whispers", status_code=201)
async def whisper(conversation_id: str, body: WhisperBody, agent: DeskAgent, help: Help) -> dict[str, Any]:
    """A private note on the chat: its agent and supervisors read it; the shopper never does."""
    return await help.whisper(agent, conversation_id, body.text)


@router.get("/conversations/{conversation_id}/whispers")
async def whispers(conversation_id: str, agent: DeskAgent, help: Help) -> dict[str, Any]:
    return {"notes": await help.notes(agent, conversation_id)}


# --- promised callbacks -------------------------------------------------------------------------


class PromiseBody(Input):
    due_at: dt.datetime = Field(strict=False, description="when the shopper will hear back (ISO 8601 with an offset; UTC if none)")
    note: str = Field(default="", max_length=500)


def get_promises(request: Request) -> Promises:
    return request.app.state.promises


PromiseBook = Annotated[Promises, Depends(get_promises)]


@router.post("/conversations/{conversation_id}/promises", status_code=201)
async def promise(conversation_id: str, body: PromiseBody, agent: DeskAgent, promises: PromiseBook) -> dict[str, Any]:
    return await promises.promise(agent, conversation_id, body.due_at, body.note)


@router.get("/promises")
async def promise_list(agent: DeskAgent, promises: PromiseBook, everyone: bool = False) -> dict[str, Any]:
    return {"promises": await promises.listing(agent, everyone)}


@router.post("/promises/{promise_id}/kept")
async def keep_promise(promise_id: RowId, agent: DeskAgent, promises: PromiseBook) -> dict[str, Any]:
    return await promises.keep(agent, promise_id)


# --- the reply library ---------------------------------------------------------------------------


class ReplyBody(Input):
    title: str = Field(min_length=1, max_length=80)
    tone: str = Field(pattern=r"^(warm|professional|brief)$")
    zh: str = Field(default="", max_length=2000)
    en: str = Field(default="", max_length=2000)
    tags: list[str] = Field(default_factory=list, max_length=20)


class ArchiveBody(Input):
    archived: bool = True


def get_library(request: Request) -> ReplyLibrary:
    return request.app.state.replies


Library = Annotated[ReplyLibrary, Depends(get_library)]


@router.get("/conversations/{conversation_id}/replies")
async def search_replies(
    conversation_id: str, agent: DeskAgent, library: Library, desk: Annotated[DeskService, Depends(get_desk)],
    customers: Annotated[CustomerDirectory, Depends(get_customers)], q: str = "", tone: str | None = None,
) -> dict[str, Any]:
    """The reply box's "/" search: replies matching `q`, filled for this chat, and the tone this
    shopper's way of writing suggests (used when `tone` is not given)."""
    if tone is not None and tone not in TONES:
        raise BadRequest(f"tone must be one of {', '.join(TONES)}")
    detail = await desk.detail(conversation_id)
    suggestion = suggest_tone([e["text"] for e in detail["events"] if e["sender"] == "shopper" and e["kind"] == "message"])
    values = await placeholder_values(detail, customers, agent)
    chosen = tone or suggestion["tone"]
    replies = await library.search(q[:100], detail["lang"], values, chosen)
    return {"suggested_tone": suggestion, "tone": chosen, "replies": replies}


@router.get("/replies")
async def library_list(agent: Supervisor, library: Library) -> dict[str, Any]:
    return {"replies": await library.all()}


@router.post("/replies", status_code=201)
async def library_create(body: ReplyBody, agent: Supervisor, library: Library) -> dict[str, Any]:
    return await library.save(agent, None, body.title, body.tone, body.zh, body.en, body.tags)


@router.put("/replies/{reply_id}")
async def library_update(reply_id: RowId, body: ReplyBody, agent: Supervisor, library: Library) -> dict[str, Any]:
    return await library.save(agent, reply_id, body.title, body.tone, body.zh, body.en, body.tags)


@router.post("/replies/{reply_id}/archive")
async def library_archive(reply_id: RowId, body: ArchiveBody, agent: Supervisor, library: Library) -> dict[str, Any]:
    return await library.archive(agent, reply_id, body.archived)


# --- shifts and staffing ------------------------------------------------------------------------


class ShiftBody(Input):
    weekday: str = Field(pattern=r"^(mon|tue|wed|thu|fri|sat|sun)$")
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(pattern=r"^([01]\d|2[0-4]):[0-5]\d$")


class ShiftsBody(Input):
    shifts: list[ShiftBody] = Field(default_factory=list, max_length=50)


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@router.put("/agents/{agent_id}/shifts")
async def set_shifts(agent_id: RowId, body: ShiftsBody, request: Request, agent: Supervisor) -> dict[str, Any]:
    """Replace one agent's weekly shifts (store-local times)."""
    for shift in body.shifts:
        if _minutes(shift.end) <= _minutes(shift.start) or _minutes(shift.end) > 24 * 60:
            raise BadRequest(f"班次结束须晚于开始。A shift must end after it starts ({shift.start}-{shift.end}).")
    sessions = request.app.state.sessions
    async with sessions() as session:
        if await session.get(Agent, agent_id) is None:
            raise NotFound(f"no agent {agent_id}")
        await session.execute(delete(AgentShift).where(AgentShift.agent_id == agent_id))
        for shift in body.shifts:
            session.add(AgentShift(agent_id=agent_id, weekday=DAYS.index(shift.weekday),
                                   start_minute=_minutes(shift.start), end_minute=_minutes(shift.end)))
        await session.commit()
    return await shifts(request, agent)


@router.get("/shifts")
async def shifts(request: Request, agent: DeskAgent) -> dict[str, Any]:
    """Who is expected online when, whether the desk is open and staffed now, in the store's time."""
    settings: Settings = request.app.state.settings
    async with request.app.state.sessions() as session:
        rows = (await session.execute(
            select(AgentShift, Agent.display_name).join(Agent, Agent.id == AgentShift.agent_id)
            .order_by(AgentShift.weekday, AgentShift.start_minute)
        )).all()  # fmt: skip
        now = utcnow()
        staffed_now = await staffed(session, settings, now)
    hours = opening_hours(settings)
    return {
        "timezone": settings.store_timezone,
        "local_time": hours.local(now).isoformat(),
        "open_now": hours.is_open(now),
        "staffed_now": staffed_now,
        "shifts": [
            {"agent_id": s.agent_id, "agent_name": name, "weekday": DAYS[s.weekday], "start": _hhmm(s.start_minute),
             "end": _hhmm(s.end_minute)}
            for s, name in rows
        ],
    }


@router.get("/staffing")
async def staffing(request: Request, agent: Supervisor, weeks: int = 4) -> dict[str, Any]:
    """Suggested agents per store-local weekday and hour from the chats that reached the desk in the last weeks."""
    if not 1 <= weeks <= 26:
        raise BadRequest("weeks must be between 1 and 26")
    settings: Settings = request.app.state.settings
    since = utcnow() - dt.timedelta(weeks=weeks)
    async with request.app.state.sessions() as session:
        arrivals = list(await session.scalars(select(Conversation.queued_at).where(Conversation.queued_at >= since)))
    return {
        "timezone": settings.store_timezone,
        "weeks": weeks,
        "chats_per_agent_hour": settings.chats_per_agent_hour,
        "hours": suggested_staffing(arrivals, settings.store_timezone, weeks, settings.chats_per_agent_hour),
    }
