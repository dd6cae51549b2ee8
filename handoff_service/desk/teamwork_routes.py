"""#19's console API for working together: senior help and whispers, promised callbacks."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import Field

from handoff_service.core.deps import DESK_ROLES, SUPERVISOR_ROLES, require_role
from handoff_service.core.inputs import MAX_ROW_ID, Input
from handoff_service.core.models import Agent
from handoff_service.desk.assist import SeniorHelp
from handoff_service.desk.promises import Promises

router = APIRouter()  # included by tools_routes.router (prefix /api/agent)

DeskAgent = Annotated[Agent, Depends(require_role(*DESK_ROLES))]
Supervisor = Annotated[Agent, Depends(require_role(*SUPERVISOR_ROLES))]
RowId = Annotated[int, Path(ge=0, le=MAX_ROW_ID)]


def get_help(request: Request) -> SeniorHelp:
    return request.app.state.senior_help


Help = Annotated[SeniorHelp, Depends(get_help)]


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


