"""The agent console's API: log in, see the queue, claim, reply, hand back to the bot."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field

from handoff_service.agents import AgentDirectory
from handoff_service.conversations import ConversationService, event_public
from handoff_service.deps import current_agent, get_agents, get_conversations
from handoff_service.errors import KefuError
from handoff_service.hub import AGENTS, EventHub
from handoff_service.models import Agent

router = APIRouter(prefix="/api/agent", tags=["agent"])
socket_router = APIRouter(tags=["agent"])

Conversations = Annotated[ConversationService, Depends(get_conversations)]
CurrentAgent = Annotated[Agent, Depends(current_agent)]


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class ReplyBody(BaseModel):
    text: str = Field(min_length=1, max_length=2000)
    client_id: str | None = Field(default=None, max_length=64)


class HandBackBody(BaseModel):
    outcome: Literal["resolved", "unresolved"] = "resolved"


def agent_public(agent: Agent) -> dict[str, Any]:
    return {"id": agent.id, "username": agent.username, "display_name": agent.display_name, "role": agent.role}


@router.post("/login")
async def login(body: LoginBody, agents: Annotated[AgentDirectory, Depends(get_agents)]) -> dict[str, Any]:
    agent, token = await agents.login(body.username, body.password)
    return {"token": token, "agent": agent_public(agent)}


@router.get("/me")
async def me(agent: CurrentAgent) -> dict[str, Any]:
    return agent_public(agent)


@router.get("/queue")
async def queue(agent: CurrentAgent, service: Conversations) -> dict[str, Any]:
    return {"items": await service.queue()}


@router.get("/conversations/{conversation_id}")
async def conversation(conversation_id: str, agent: CurrentAgent, service: Conversations) -> dict[str, Any]:
    return await service.detail(conversation_id)


@router.post("/conversations/{conversation_id}/claim")
async def claim(conversation_id: str, agent: CurrentAgent, service: Conversations) -> dict[str, Any]:
    await service.claim(agent, conversation_id)
    return await service.detail(conversation_id)


@router.post("/conversations/{conversation_id}/messages", status_code=202)
async def reply(conversation_id: str, body: ReplyBody, agent: CurrentAgent, service: Conversations) -> dict[str, Any]:
    event = await service.add_agent_message(agent, conversation_id, body.text, body.client_id)
    return {"event": event_public(event)}


@router.post("/conversations/{conversation_id}/handback")
async def hand_back(
    conversation_id: str, body: HandBackBody, agent: CurrentAgent, service: Conversations
) -> dict[str, Any]:
    await service.hand_back(agent, conversation_id, body.outcome)
    return {"state": "bot"}


@socket_router.websocket("/ws/agent")
async def agent_socket(websocket: WebSocket, token: str = "") -> None:
    """Pushes the queue whenever it changes, and every new event of the agent's own chats."""
    service: ConversationService = websocket.app.state.conversations
    hub: EventHub = websocket.app.state.hub
    try:
        agent = await websocket.app.state.agents.authenticate(token)
    except KefuError as exc:
        await websocket.close(code=4401, reason=exc.message)
        return
    await websocket.accept()
    async with hub.subscribe(AGENTS) as woken:
        pusher = asyncio.create_task(_push(websocket, service, agent, woken))
        try:
            while True:
                await websocket.receive_text()  # the console only listens; frames are ignored
        except WebSocketDisconnect:
            pass
        finally:
            pusher.cancel()


async def _push(websocket: WebSocket, service: ConversationService, agent: Agent, woken: asyncio.Event) -> None:
    cursor = await service.last_event_id()
    while True:
        woken.clear()
        await websocket.send_json({"type": "queue", "items": await service.queue()})
        for event in await service.events_for_agent(agent.id, cursor):
            await websocket.send_json({"type": "event", "event": event_public(event)})
            cursor = event.id
        try:
            await asyncio.wait_for(woken.wait(), timeout=20)
        except TimeoutError:
            pass
