"""The supervisor dashboard's API (supervisors and admins), the agents' own scorecard and reviews,
the QA review queue and the case library, and the dashboard page itself."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse
from pydantic import Field

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
from handoff_service.core.inputs import Input
from handoff_service.core.models import Agent
from handoff_service.insight.deps import get_insight, get_qa
from handoff_service.insight.periods import Period
from handoff_service.insight.qa import QaDesk
from handoff_service.insight.service import InsightService
from handoff_service.settings import Settings

api = APIRouter(prefix="/api/insight", tags=["insight"], responses=error_responses(Unauthorized, Forbidden, NotFound, Conflict))

Supervisor = Annotated[Agent, Depends(require_role(*SUPERVISOR_ROLES))]
DeskAgent = Annotated[Agent, Depends(require_role(*DESK_ROLES))]
Insight = Annotated[InsightService, Depends(get_insight)]
Qa = Annotated[QaDesk, Depends(get_qa)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
DateText = Annotated[str | None, Query(max_length=10, pattern=r"^\d{4}-\d{2}-\d{2}$")]

PAGE = Path(__file__).resolve().parent.parent / "static" / "insight.html"
DRILL_KEYS = ("day", "weekday", "hour", "reason", "topic", "agent", "lang", "escalated", "low_csat", "frt", "business_hours")


def period_of(settings: Settings, first: str | None, last: str | None) -> Period:
    """`from`..`to` (local dates); by default the last 7 days up to today, in the store's time zone."""
    if first and last:
        return Period.parse(first, last, settings.store_timezone)
    if first or last:
        raise BadRequest("请同时给出开始和结束日期。Give both from and to.")
    today = dt.datetime.now(Period(dt.date.today(), dt.date.today(), settings.store_timezone).zone).date()
    return Period(today - dt.timedelta(days=6), today, settings.store_timezone)


@api.get("/dashboard")
async def dashboard(
    agent: Supervisor, insight: Insight, settings: SettingsDep,
    first: Annotated[DateText, Query(alias="from")] = None, last: Annotated[DateText, Query(alias="to")] = None,
    business_hours: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """The period's figures and breakdowns, and each headline figure's change against the period before."""
    return await insight.dashboard(period_of(settings, first, last), business_hours)


@api.get("/chats")
async def chats(
    request: Request, agent: Supervisor, insight: Insight, settings: SettingsDep,
    first: Annotated[DateText, Query(alias="from")] = None, last: Annotated[DateText, Query(alias="to")] = None,
) -> dict[str, Any]:  # fmt: skip
    """The chats behind a chart's mark: ?day=, weekday=&hour=, reason=, topic=, agent=, lang=, frt=, low_csat=true."""
    filters = {k: v[:64] for k, v in request.query_params.items() if k in DRILL_KEYS}
    return await insight.drill(period_of(settings, first, last), filters)


@api.get("/chats/{conversation_id}")
async def chat(conversation_id: str, agent: Supervisor, insight: Insight) -> dict[str, Any]:
    return await insight.transcript(conversation_id)


@api.get("/scorecards")
async def scorecards(
    agent: DeskAgent, insight: Insight, settings: SettingsDep,
    first: Annotated[DateText, Query(alias="from")] = None, last: Annotated[DateText, Query(alias="to")] = None,
) -> dict[str, Any]:  # fmt: skip
    """Every agent's scorecard for a supervisor; an agent gets their own only."""
    period = period_of(settings, first, last)
    cards = await insight.scorecards(period, dict(settings.scorecard_weights), settings.first_response_target_seconds)
    if agent.role not in SUPERVISOR_ROLES:
        cards = [card for card in cards if card["agent_id"] == agent.id]
    return {"period": period.public(), "weights": settings.scorecard_weights, "scorecards": cards}


@api.get("/qa/queue")
async def qa_queue(
    agent: Supervisor, insight: Insight, qa: Qa, settings: SettingsDep,
    first: Annotated[DateText, Query(alias="from")] = None, last: Annotated[DateText, Query(alias="to")] = None,
) -> dict[str, Any]:  # fmt: skip
    period = period_of(settings, first, last)
    queue = await insight.qa_queue(period, await qa.reviewed(), settings.qa_long_handle_seconds, settings.qa_random_share)
    return {"period": period.public(), "queue": queue}


class ReviewBody(Input):
    conversation_id: str = Field(min_length=1, max_length=32)
    scores: dict[str, int]
    comment: str = Field(default="", max_length=2000)
    sampled_for: list[str] = Field(default_factory=list, max_length=4)
    # Set to keep the chat in the case library under this title.
    case_title: str | None = Field(default=None, max_length=200)


@api.post("/qa/reviews", status_code=201)
async def review(body: ReviewBody, agent: Supervisor, qa: Qa) -> dict[str, Any]:
    return await qa.review(agent, body.conversation_id, body.scores, body.comment, body.sampled_for, body.case_title)


@api.get("/qa/reviews")
async def reviews(agent: DeskAgent, qa: Qa, agent_id: int | None = Query(default=None, ge=0, le=2**31)) -> dict[str, Any]:
    """A supervisor sees every review (or one agent's); an agent sees the reviews of their own chats."""
    if agent.role not in SUPERVISOR_ROLES:
        agent_id = agent.id
    return {"reviews": await qa.reviews(agent_id)}


@api.get("/cases")
async def cases(agent: DeskAgent, qa: Qa, q: Annotated[str, Query(max_length=100)] = "") -> dict[str, Any]:
    return {"cases": await qa.cases(q)}


@api.get("/cases/{conversation_id}")
async def case_chat(conversation_id: str, agent: DeskAgent, qa: Qa, insight: Insight) -> dict[str, Any]:
    """An exemplary chat's transcript: any desk account may read what is in the case library."""
    if not any(case["conversation_id"] == conversation_id for case in await qa.cases(limit=10_000)):
        raise NotFound("这个对话不在案例库中。This chat is not in the case library.")
    return await insight.transcript(conversation_id)


async def insight_page() -> FileResponse:
    return FileResponse(PAGE)


# What the app includes: the API and the page.
router = APIRouter()
router.include_router(api)
router.add_api_route("/insight", insight_page, methods=["GET"], include_in_schema=False)
