"""A proactive message that opened a new chat (the shopper had none open): the widget takes it the
next time the signed-in shopper opens the storefront, with a badge for what they have not read."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff_service.chat.deps import session_allowed
from handoff_service.chat.identity import verify_customer
from handoff_service.chat.routes import SessionCreate
from handoff_service.core.auth import new_token, token_digest
from handoff_service.core.errors import TooManyRequests, error_responses
from handoff_service.core.models import Conversation, Event, ProactiveAlert, utcnow
from handoff_service.settings import Settings

router = APIRouter(tags=["shopper"], responses=error_responses(TooManyRequests))
OPEN_STATES = ("bot", "queued", "agent", "callback")


class InboxPublic(BaseModel):
    conversation_id: str | None = None
    token: str | None = None
    state: str | None = None
    unread: int = 0


class AlertInbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def claim(self, customer_id: str) -> InboxPublic:
        """The newest unclaimed chat a proactive message opened for this customer, with a fresh token
        (nobody held one), and how many messages in it the shopper has not seen."""
        async with self._sessions() as session:
            conversation_id = await session.scalar(
                select(ProactiveAlert.conversation_id)
                .join(Conversation, Conversation.id == ProactiveAlert.conversation_id)
                .where(
                    ProactiveAlert.customer_id == customer_id, ProactiveAlert.new_conversation.is_(True),
                    ProactiveAlert.claimed_at.is_(None), Conversation.state.in_(OPEN_STATES),
                )  # fmt: skip
                .order_by(ProactiveAlert.sent_at.desc())
                .limit(1)
            )
            if conversation_id is None:
                return InboxPublic()
            token = new_token()
            conv = await session.get(Conversation, conversation_id)
            assert conv is not None
            conv.token_hash = token_digest(token)
            await session.execute(
                update(ProactiveAlert).where(ProactiveAlert.conversation_id == conversation_id).values(claimed_at=utcnow())
            )
            unread = await session.scalar(
                select(func.count()).select_from(Event).where(
                    Event.conversation_id == conversation_id, Event.kind == "message", Event.sender != "shopper"
                )
            )
            await session.commit()
            return InboxPublic(conversation_id=conversation_id, token=token, state=conv.state, unread=unread or 0)


@router.post("/api/proactive/inbox", dependencies=[Depends(session_allowed)])
async def inbox(body: SessionCreate, request: Request) -> InboxPublic:
    """For a signed-in shopper only (the same signature as /api/sessions); a guest gets nothing."""
    settings: Settings = request.app.state.settings
    secret = settings.identity_secret.get_secret_value() if settings.identity_secret else None
    who = verify_customer(body.customer_id, body.customer_signature, body.customer_expires, secret, settings.identity_required)
    if who.customer_id is None:  # a guest, or a claim without a valid signature
        return InboxPublic()
    service: AlertInbox = request.app.state.alert_inbox
    return await service.claim(who.customer_id)


