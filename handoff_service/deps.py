"""FastAPI dependencies: the services held by the app, and who is calling."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from handoff_service.agents import AgentDirectory
from handoff_service.auth import token_matches
from handoff_service.conversations import ConversationService
from handoff_service.customers import CustomerDirectory
from handoff_service.desk import DeskService
from handoff_service.errors import Forbidden, NotFound
from handoff_service.hub import EventHub
from handoff_service.inbox import TrainerInbox
from handoff_service.models import Agent, Conversation
from handoff_service.remedies import Remedies
from handoff_service.review import ReviewService
from handoff_service.retraining import RetrainService
from handoff_service.settings import Settings
from handoff_service.suggestions import Suggester

DESK_ROLES = ("agent", "supervisor", "admin")
SUPERVISOR_ROLES = ("supervisor", "admin")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_conversations(request: Request) -> ConversationService:
    return request.app.state.conversations


def get_desk(request: Request) -> DeskService:
    return request.app.state.desk


def get_customers(request: Request) -> CustomerDirectory:
    return request.app.state.customers


def get_remedies(request: Request) -> Remedies:
    return request.app.state.remedies


def get_suggester(request: Request) -> Suggester:
    return request.app.state.suggester


def get_retraining(request: Request) -> RetrainService:
    return request.app.state.retraining


def get_review(request: Request) -> ReviewService:
    return request.app.state.review


def get_inbox(request: Request) -> TrainerInbox:
    return request.app.state.inbox


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


async def open_conversation(service: ConversationService, conversation_id: str, token: str | None) -> Conversation:
    """The conversation, if `token` is the one its shopper was given; otherwise as if it did not exist."""
    try:
        conv = await service.get(conversation_id)
    except NotFound:
        raise Forbidden("this conversation does not exist or is not yours") from None
    if not token or not token_matches(token, conv.token_hash):
        raise Forbidden("this conversation does not exist or is not yours")
    return conv


async def shopper_conversation(conversation_id: str, request: Request) -> Conversation:
    return await open_conversation(get_conversations(request), conversation_id, bearer_token(request))
