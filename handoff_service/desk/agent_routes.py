"""The agent console's API: log in, status, the queue, claim, reply, transfer, hand back, close."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, WebSocket, WebSocketDisconnect
from pydantic import Field

from handoff_service.core.agents import AgentDirectory
from handoff_service.core.deps import (
    DESK_ROLES,
    SUPERVISOR_ROLES,
    bearer_token,
    get_agents,
    get_hub,
    require_role,
    socket_protocol,
    socket_token,
)
from handoff_service.core.errors import (
    Conflict,
    Forbidden,
    KefuError,
    NotFound,
    TooManyRequests,
    Unauthorized,
    error_responses,
)
from handoff_service.core.events import event_public
from handoff_service.core.hub import AGENTS, EventHub, Subscription, sessions_ended
from handoff_service.core.inputs import MAX_ROW_ID, Input
from handoff_service.core.limits import Rule, client_ip, get_limits
from handoff_service.core.models import Agent
from handoff_service.desk.deps import get_desk
from handoff_service.desk.remedies import coupon_limit
from handoff_service.desk.service import DeskService

router = APIRouter(
    prefix="/api/agent",
    tags=["agent"],
    responses=error_responses(Unauthorized, Forbidden, NotFound, Conflict, TooManyRequests),
)
socket_router = APIRouter(tags=["agent"])

Desk = Annotated[DeskService, Depends(get_desk)]
DeskAgent = Annotated[Agent, Depends(require_role(*DESK_ROLES))]
Supervisor = Annotated[Agent, Depends(require_role(*SUPERVISOR_ROLES))]


class LoginBody(Input):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class ReplyBody(Input):
    text: str = Field(min_length=1, max_length=2000)
    client_id: str | None = Field(default=None, max_length=64)


class HandBackBody(Input):
    outcome: Literal["resolved", "unresolved"] = "resolved"


class StatusBody(Input):
    status: Literal["online", "away", "offline"]


class TransferBody(Input):
    to_agent_id: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)
    team: str | None = Field(default=None, min_length=1, max_length=32)


class TypingBody(Input):
    typing: bool


def agent_public(agent: Agent) -> dict[str, Any]:
    return {
        "id": agent.id,
        "username": agent.username,
        "display_name": agent.display_name,
        "role": agent.role,
        "status": agent.status,
        "max_concurrent": agent.max_concurrent,
        "languages": agent.languages,
        "skills": agent.skills,
        "team": agent.team,
    }


@router.post("/login")
async def login(
    body: LoginBody, request: Request, agents: Annotated[AgentDirectory, Depends(get_agents)]
) -> dict[str, Any]:
    """Every attempt counts against the caller's IP; only failures count against the username, so
    guessing one account's password stops without locking its owner out after a good login."""
    limits = get_limits(request)
    await limits.hit(Rule.LOGINS_PER_IP, client_ip(request))
    await limits.check(Rule.LOGIN_FAILURES_PER_USERNAME, body.username)
    try:
        agent, token = await agents.login(body.username, body.password)
    except Unauthorized:
        await limits.hit(Rule.LOGIN_FAILURES_PER_USERNAME, body.username)
        raise
    return {"token": token, "agent": agent_public(agent)}


@router.post("/logout", status_code=204)
async def logout(request: Request, agents: Annotated[AgentDirectory, Depends(get_agents)]) -> None:
    """Ends this session; its open sockets close at once, on every replica."""
    agent_id = await agents.logout(bearer_token(request))
    sessions_ended(get_hub(request), agent_id)


@router.get("/me")
async def me(agent: DeskAgent, request: Request) -> dict[str, Any]:
    limit = coupon_limit(request.app.state.settings, agent.role)
    return {**agent_public(agent), "coupon_limit": None if limit == float("inf") else limit}


@router.get("/colleagues")
async def colleagues(agent: DeskAgent, desk: Desk) -> dict[str, Any]:
    """Whom a chat can be transferred to: active desk accounts other than the caller."""
    return {
        "agents": [
            {
                k: a[k]
                for k in ("id", "display_name", "role", "active", "status", "active_chats", "max_concurrent",
                          "languages", "skills", "team")
            }
            for a in await desk.agents_load()
            if a["active"] and a["id"] != agent.id and a["role"] in DESK_ROLES
        ]
    }


@router.put("/status")
async def set_status(body: StatusBody, agent: DeskAgent, desk: Desk) -> dict[str, Any]:
    await desk.set_status(agent, body.status)
    return {"status": body.status}


@router.get("/queue")
async def queue(agent: DeskAgent, desk: Desk) -> dict[str, Any]:
    return {"items": await desk.queue(agent.id)}


@router.get("/agents")
async def agents_load(agent: Supervisor, desk: Desk) -> dict[str, Any]:
    return {"agents": await desk.agents_load()}


async def detail_with_customer(request: Request, desk: DeskService, conversation_id: str) -> dict[str, Any]:
    """The chat, with the customer's live 360 from the store (the escalation's copy if the store fails)."""
    detail = await desk.detail(conversation_id)
    live = await request.app.state.customers.profile(detail["customer_id"])
    if live and live.get("name") is not None:
        detail["customer"] = live
    return detail


@router.get("/conversations/{conversation_id}")
async def conversation(conversation_id: str, request: Request, agent: DeskAgent, desk: Desk) -> dict[str, Any]:
    return await detail_with_customer(request, desk, conversation_id)


@router.post("/conversations/{conversation_id}/claim")
async def claim(conversation_id: str, request: Request, agent: DeskAgent, desk: Desk) -> dict[str, Any]:
    await desk.claim(agent, conversation_id)
    return await detail_with_customer(request, desk, conversation_id)


@router.post("/conversations/{conversation_id}/messages", status_code=202)
async def reply(conversation_id: str, body: ReplyBody, agent: DeskAgent, desk: Desk) -> dict[str, Any]:
    event = await desk.add_agent_message(agent, conversation_id, body.text, body.client_id)
    return {"event": event_public(event)}


@router.post("/conversations/{conversation_id}/typing", status_code=204)
async def typing(conversation_id: str, body: TypingBody, agent: DeskAgent, desk: Desk) -> None:
    await desk.agent_typing(agent, conversation_id, body.typing)


@router.post("/conversations/{conversation_id}/transfer")
async def transfer(conversation_id: str, body: TransferBody, request: Request, agent: DeskAgent, desk: Desk) -> dict[str, Any]:
    await desk.transfer(agent, conversation_id, body.to_agent_id, body.team)
    return await detail_with_customer(request, desk, conversation_id)


@router.post("/conversations/{conversation_id}/handback")
async def hand_back(conversation_id: str, body: HandBackBody, agent: DeskAgent, desk: Desk) -> dict[str, Any]:
    await desk.hand_back(agent, conversation_id, body.outcome)
    return {"state": "bot"}


@router.post("/conversations/{conversation_id}/close")
async def close(conversation_id: str, agent: DeskAgent, desk: Desk) -> dict[str, Any]:
    await desk.close(agent, conversation_id)
    return {"state": "closed"}


@socket_router.websocket("/ws/agent")
async def agent_socket(websocket: WebSocket) -> None:
    """Pushes the queue whenever it changes, every new event of the agent's own chats, typing of
    their shoppers, new assignments, and (to supervisors) first-response alerts.

    The token comes as the subprotocol `kefu.token.<token>` (never in the URL). The session is
    checked again every `socket_check_seconds` and at once when it ends (logout, account disabled:
    a hub signal, on every replica); a session that no longer holds closes the socket with 4401."""
    desk: DeskService = websocket.app.state.desk
    hub: EventHub = websocket.app.state.hub
    agents: AgentDirectory = websocket.app.state.agents
    token = socket_token(websocket)
    try:
        agent = await _desk_session(agents, token)
    except KefuError as exc:
        await websocket.close(code=4401, reason=exc.message)
        return
    await websocket.accept(subprotocol=socket_protocol(websocket))
    check_seconds = websocket.app.state.settings.socket_check_seconds
    async with hub.subscribe(AGENTS) as sub:
        pusher = asyncio.create_task(_push(websocket, desk, agents, token, agent, sub, check_seconds))
        listener = asyncio.create_task(_listen(websocket))
        await asyncio.wait({pusher, listener}, return_when=asyncio.FIRST_COMPLETED)
        for task in (pusher, listener):
            task.cancel()
        if pusher.done() and not pusher.cancelled() and pusher.exception() is None and (ended := pusher.result()):
            with contextlib.suppress(RuntimeError):  # the browser left at the same moment
                await websocket.close(code=4401, reason=ended)


async def _desk_session(agents: AgentDirectory, token: str | None) -> Agent:
    agent = await agents.authenticate(token)
    if agent.role not in DESK_ROLES:
        raise Forbidden("this needs a desk role")
    return agent


async def _listen(websocket: WebSocket) -> None:
    """The console only listens; frames are ignored until it leaves."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()


def _for_agent(signal: dict[str, Any], agent: Agent, mine: set[str]) -> bool:
    if signal.get("type") in ("sla_alert", "approval_needed"):
        return agent.role in SUPERVISOR_ROLES or signal.get("conversation_id") in mine
    if signal.get("type") == "assigned":
        return signal.get("agent_id") == agent.id
    # #19: help requests go to the seniors; a decided remedy to the agent who asked (and the seniors)
    if str(signal.get("type", "")).startswith("help_"):
        return agent.role in SUPERVISOR_ROLES
    if signal.get("type") == "remedy_decided":
        return agent.role in SUPERVISOR_ROLES or signal.get("agent_id") == agent.id
    if signal.get("type") == "promise_due":
        return signal.get("agent_id") == agent.id
    if signal.get("type") == "promise_overdue":
        return agent.role in SUPERVISOR_ROLES or signal.get("agent_id") == agent.id
    if signal.get("type") == "whisper":
        return agent.role in SUPERVISOR_ROLES or signal.get("conversation_id") in mine
    return signal.get("conversation_id") in mine


async def _push(
    websocket: WebSocket,
    desk: DeskService,
    agents: AgentDirectory,
    token: str | None,
    agent: Agent,
    sub: Subscription,
    check_seconds: float,
) -> str | None:
    """Returns why the session ended (the socket is then closed), or None when the agent left."""
    cursor = await desk.last_event_id()
    mine: set[str] = set()
    checked = time.monotonic()
    try:
        while True:
            sub.woken.clear()
            stale, sub.stale = sub.stale, False  # a typing signal alone needs no re-read
            signals = sub.take_signals()
            ended = any(s.get("type") == "session_ended" and s.get("agent_id") == agent.id for s in signals)
            if ended or time.monotonic() - checked >= check_seconds:
                try:
                    agent = await _desk_session(agents, token)
                except KefuError as exc:
                    return exc.message
                checked = time.monotonic()
            if stale:
                items = await desk.queue(agent.id)
                await websocket.send_json({"type": "queue", "items": items})
                mine = {i["conversation_id"] for i in items if i["assigned_agent_id"] == agent.id}
            for signal in signals:
                if _for_agent(signal, agent, mine):
                    await websocket.send_json(signal)
            if stale:
                for event in await desk.events_for_agent(agent.id, cursor):
                    await websocket.send_json({"type": "event", "event": event_public(event)})
                    cursor = event.id
            next_check = max(0.0, check_seconds - (time.monotonic() - checked))
            try:
                await asyncio.wait_for(sub.woken.wait(), timeout=min(20.0, next_check))
            except TimeoutError:
                pass
    except WebSocketDisconnect:
        return None  # the agent left; the receiving side ends the socket
