"""#19's console API for the desk's means: the reply library, shifts and suggested staffing."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import Field
from sqlalchemy import delete, select

from handoff_service.core.deps import DESK_ROLES, SUPERVISOR_ROLES, require_role
from handoff_service.core.errors import BadRequest, NotFound
from handoff_service.core.hours import DAYS, suggested_staffing
from handoff_service.core.inputs import MAX_ROW_ID, Input
from handoff_service.core.models import Agent, AgentShift, Conversation, utcnow
from handoff_service.desk.assist import SeniorHelp
from handoff_service.desk.console_routes import placeholder_values
from handoff_service.desk.customers import CustomerDirectory
from handoff_service.desk.deps import get_customers, get_desk
from handoff_service.desk.replies import TONES, ReplyLibrary, suggest_tone
from handoff_service.desk.service import DeskService
from handoff_service.desk.sweeper import opening_hours, staffed
from handoff_service.settings import Settings

router = APIRouter()  # included by tools_routes.router (prefix /api/agent)

DeskAgent = Annotated[Agent, Depends(require_role(*DESK_ROLES))]
Supervisor = Annotated[Agent, Depends(require_role(*SUPERVISOR_ROLES))]
RowId = Annotated[int, Path(ge=0, le=MAX_ROW_ID)]


def get_help(request: Request) -> SeniorHelp:
    return request.app.state.senior_help


Help = Annotated[SeniorHelp, Depends(get_help)]


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
