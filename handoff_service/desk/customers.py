"""Customer 360 for the console: the store's record plus what the desk itself remembers."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff_service.core.errors import BadRequest
from handoff_service.core.models import (
    Agent,
    Conversation,
    CustomerNote,
    Escalation,
    ProactiveAlert,
    iso_utc,
)
from handoff_service.desk.remedies import remedy_history
from store import StoreClient, StoreError

COMPLAINT_REASONS = ("upset", "high_risk")


class CustomerDirectory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], store: StoreClient) -> None:
        self._sessions = sessions
        self.store = store

    async def profile(self, customer_id: str | None) -> dict[str, Any] | None:
        """Orders with logistics, spend, average order value, tags, complaints, past chats, notes."""
        if not customer_id:
            return None
        try:
            customer = await asyncio.to_thread(self.store.customer, customer_id)
            store_error = None
        except StoreError as exc:
            customer, store_error = None, str(exc)
        async with self._sessions() as session:
            chats = (
                await session.scalars(
                    select(Conversation).where(Conversation.customer_id == customer_id).order_by(Conversation.created_at.desc()).limit(20)
                )
            ).all()
            reasons = {
                e.conversation_id: e.reason
                for e in (
                    await session.scalars(select(Escalation).where(Escalation.conversation_id.in_([c.id for c in chats])))
                ).all()
            }
            remedies = await remedy_history(session, customer_id)  # #19: what the desk granted, and who
            notes = (
                await session.execute(
                    select(CustomerNote, Agent.display_name)
                    .join(Agent, Agent.id == CustomerNote.agent_id)
                    .where(CustomerNote.customer_id == customer_id)
                    .order_by(CustomerNote.id.desc())
                )
            ).all()
            alerts = (
                await session.scalars(
                    select(ProactiveAlert).where(ProactiveAlert.customer_id == customer_id).order_by(ProactiveAlert.id.desc()).limit(20)
                )
            ).all()
        desk_complaints = sum(1 for reason in reasons.values() if reason in COMPLAINT_REASONS)
        return {
            "customer_id": customer_id,
            "name": customer.name if customer else None,
            "tags": sorted({*(customer.tags if customer else []), *(t for n, _ in notes for t in n.tags)}),
            "order_count": len(customer.orders) if customer else 0,
            "total_spend": customer.total_spend if customer else 0.0,
            "average_order_value": customer.average_order_value if customer else 0.0,
            "past_complaints": (customer.past_complaints if customer else 0) + desk_complaints,
            "orders": [dataclasses.asdict(o) for o in customer.orders] if customer else [],
            "past_conversations": [
                {"conversation_id": c.id, "state": c.state, "created_at": iso_utc(c.created_at), "reason": reasons.get(c.id)}
                for c in chats
            ],
            "notes": [
                {"text": n.text, "tags": n.tags, "by": name, "created_at": iso_utc(n.created_at)} for n, name in notes
            ],
            # Proactive messages the store sent this customer (issue #16), newest first, with what they chose.
            "alerts": [
                {"rule": a.rule_id, "kind": a.kind, "order_id": a.order_id, "outcome": a.outcome, "reason": a.reason,
                 "channels": a.channels, "sent_at": iso_utc(a.sent_at), "created_at": iso_utc(a.created_at),
                 "choice": a.choice, "conversation_id": a.conversation_id}
                for a in alerts
            ],  # fmt: skip
            "remedies": remedies,
            "store_error": store_error,
        }

    async def add_note(self, agent: Agent, customer_id: str, text: str, tags: list[str]) -> None:
        text = text.strip()
        if not text and not tags:
            raise BadRequest("write a note or add a tag")
        async with self._sessions() as session:
            session.add(CustomerNote(customer_id=customer_id, agent_id=agent.id, text=text, tags=[t.strip() for t in tags if t.strip()]))
            await session.commit()
