"""FastAPI dependencies every room shares: the settings, the hub, and who is calling."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from handoff_service.core.agents import AgentDirectory
from handoff_service.core.errors import Forbidden
from handoff_service.core.hub import EventHub
from handoff_service.core.models import Agent
from handoff_service.settings import Settings

DESK_ROLES = ("agent", "supervisor", "admin")
SUPERVISOR_ROLES = ("supervisor", "admin")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_agents(request: Request) -> AgentDirectory:
    return request.app.state.agents


def get_hub(request: Request) -> EventHub:
    return request.app.state.hub


def bearer_token(request: Request) -> str | None:
    """From `Authorization: Bearer …`, or `?token=` for clients that cannot set headers (EventSource)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.query_params.get("token")


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
