"""FastAPI dependencies of the shopper's room: the conversation service and the caller's own chat."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from handoff_service.chat.conversations import ConversationService, TurnReview
from handoff_service.chat.requests import ChatRequests
from handoff_service.core.auth import token_matches
from handoff_service.core.deps import bearer_token
from handoff_service.core.errors import Forbidden, NotFound
from handoff_service.core.limits import Rule, client_ip, get_limits
from handoff_service.core.models import Conversation


def get_conversations(request: Request) -> ConversationService:
    return request.app.state.conversations


def get_requests(request: Request) -> ChatRequests:
    return request.app.state.requests


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


async def session_allowed(request: Request) -> None:
    await get_limits(request).hit(Rule.SESSIONS_PER_IP, client_ip(request))


async def message_allowed(request: Request, conv: Annotated[Conversation, Depends(shopper_conversation)]) -> None:
    """Counted after the token check (the route's own `Shopper` reuses it), so no one else can use
    up a chat's allowance."""
    await get_limits(request).hit(Rule.MESSAGES_PER_SESSION, conv.id)


async def typing_allowed(request: Request, conv: Annotated[Conversation, Depends(shopper_conversation)]) -> None:
    await get_limits(request).hit(Rule.TYPING_PER_SESSION, conv.id)


def get_review(request: Request) -> TurnReview:
    return request.app.state.review
