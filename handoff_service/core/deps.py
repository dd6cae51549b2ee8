"""FastAPI dependencies every room shares: the settings, the hub, and who is calling."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, WebSocket

from handoff_service.core.agents import (
    DESK_ROLES as DESK_ROLES,  # re-exported for the rooms' routes
)
from handoff_service.core.agents import AgentDirectory
from handoff_service.core.errors import Forbidden
from handoff_service.core.hub import EventHub
from handoff_service.core.models import Agent
from handoff_service.settings import Settings

SUPERVISOR_ROLES = ("supervisor", "admin")
# Browsers cannot set headers on a WebSocket: the token travels as a subprotocol
# (`new WebSocket(url, ["kefu", "kefu.token." + token])`), never in the URL an access log keeps.
SOCKET_PROTOCOL = "kefu"
SOCKET_TOKEN_PREFIX = "kefu.token."


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_agents(request: Request) -> AgentDirectory:
    return request.app.state.agents


def get_hub(request: Request) -> EventHub:
    return request.app.state.hub


def bearer_token(request: Request) -> str | None:
    """From `Authorization: Bearer …` only: a token in the URL would land in access logs."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def socket_token(websocket: WebSocket) -> str | None:
    """The token a client offered as the subprotocol `kefu.token.<token>`."""
    for offered in websocket.scope.get("subprotocols", []):
        if offered.startswith(SOCKET_TOKEN_PREFIX):
            return offered[len(SOCKET_TOKEN_PREFIX):]
    return None


def socket_protocol(websocket: WebSocket) -> str | None:
    """The subprotocol to accept with: a browser that offered some fails a socket accepted with none."""
    return SOCKET_PROTOCOL if SOCKET_PROTOCOL in websocket.scope.get("subprotocols", []) else None


async def current_agent(request: Request) -> Agent:
    return await get_agents(request).authenticate(bearer_token(request))


def require_role(*roles: str) -> Callable[[Request], Awaitable[Agent]]:
    """A dependency that lets in only logged-in accounts with one of `roles`."""

    async def dependency(request: Request) -> Agent:
        agent = await current_agent(request)
        if agent.role not in roles:
            raise Forbidden(f"this needs the role {' or '.join(roles)}; you are {agent.role}")
        return agent

    return dependency
