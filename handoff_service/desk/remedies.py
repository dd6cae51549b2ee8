"""One-click remedies: a coupon, and (#19) a reship, refund, return-shipping waiver, express upgrade
or gift, each within the role's authority (above it, a supervisor approves); and starting a return
or exchange in the store. Every step is audit-logged."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff_service.core.errors import BadRequest, Conflict, Forbidden, NotFound
from handoff_service.core.events import record
from handoff_service.core.hub import AGENTS, EventHub, notify
from handoff_service.core.models import (
    Agent,
    AuditEntry,
    Conversation,
    CouponRequest,
    RemedyRequest,
    iso_utc,
)
from handoff_service.core.states import State
from handoff_service.core.texts import say
from handoff_service.settings import Settings
from store import Coupon, StoreClient, StoreError
from store.client import REMEDY_KINDS, Remedy

RETURN_KINDS = ("refund", "exchange")


def coupon_limit(settings: Settings, role: str) -> float:
    if role == "admin":
        return float("inf")
    return settings.coupon_limit_supervisor if role == "supervisor" else settings.coupon_limit_agent


def remedy_limit(settings: Settings, role: str, kind: str) -> float:
    """The most a role may grant of `kind` without a supervisor (#19's authority table)."""
    if role == "admin":
        return float("inf")
    if kind == "coupon" and role in ("agent", "supervisor"):
        return coupon_limit(settings, role)
    return float(settings.remedy_limits.get(role, {}).get(kind, 0.0))


class Remedies:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], hub: EventHub, store: StoreClient, settings: Settings
    ) -> None:
        self._sessions = sessions
        self._hub = hub
        self._store = store
        self._settings = settings

    async def _chat_of(self, session: AsyncSession, agent: Agent, conversation_id: str) -> Conversation:
        conv = await session.get(Conversation, conversation_id)
        if conv is None:
            raise NotFound(f"no conversation {conversation_id!r}")
        if conv.state != State.AGENT or conv.assigned_agent_id != agent.id:
            raise Forbidden("this conversation is not assigned to you")
        if not conv.customer_id:
            raise Conflict("this shopper is not logged in to the store; there is no account to act on")
        return conv

    async def offer_coupon(self, agent: Agent, conversation_id: str, amount: float, reason: str) -> dict[str, Any]:
        """Issue at once within the agent's limit; otherwise queue it for a supervisor."""
        if amount <= 0:
            raise BadRequest("the coupon amount must be positive")
        async with self._sessions() as session:
            conv = await self._chat_of(session, agent, conversation_id)
            within = amount <= coupon_limit(self._settings, agent.role)
            request = CouponRequest(
                conversation_id=conv.id, customer_id=conv.customer_id, amount=amount, reason=reason,
                status="issuing" if within else "pending", requested_by=agent.id,
            )
            session.add(request)
            session.add(AuditEntry(agent_id=agent.id, action="coupon.requested", conversation_id=conv.id,
                                   detail={"amount": amount, "reason": reason, "within_limit": within}))
            await session.commit()
            request_id = request.id
        if not within:
            self._hub.signal(AGENTS, {"type": "approval_needed", "request_id": request_id, "amount": amount,
                                      "conversation_id": conversation_id})
            return {"status": "pending", "request_id": request_id,
                    "message": f"above your limit of {coupon_limit(self._settings, agent.role):g}; a supervisor will decide"}
        coupon = await self._issue(request_id, agent)
        return {"status": "issued", "request_id": request_id, "coupon": dataclasses.asdict(coupon)}

    async def pending(self) -> list[dict[str, Any]]:
        async with self._sessions() as session:
            rows = (await session.scalars(select(CouponRequest).where(CouponRequest.status == "pending").order_by(CouponRequest.id))).all()
        return [
            {"request_id": r.id, "conversation_id": r.conversation_id, "customer_id": r.customer_id, "amount": r.amount,
             "reason": r.reason, "requested_by": r.requested_by, "created_at": iso_utc(r.created_at)}
            for r in rows
        ]

    async def decide(self, supervisor: Agent, request_id: int, approve: bool) -> dict[str, Any]:
        async with self._sessions() as session:
            request = await session.get(CouponRequest, request_id)
            if request is None:
                raise NotFound(f"no coupon request {request_id}")
            if request.status != "pending":
                raise Conflict(f"this request is already {request.status}")
            if approve and request.amount > coupon_limit(self._settings, supervisor.role):
                raise Forbidden(f"{request.amount:g} is above your limit too; an admin must approve it")
            # Decided once: of two supervisors deciding at the same moment, only one changes the row.
            decided = await session.execute(
                update(CouponRequest)
                .where(CouponRequest.id == request_id, CouponRequest.status == "pending")
                .values(status="issuing" if approve else "rejected", decided_by=supervisor.id)
                .execution_options(synchronize_session=False)
            )
            if decided.rowcount != 1:
                await session.rollback()
                raise Conflict("another supervisor decided this request meanwhile")
            session.add(AuditEntry(agent_id=supervisor.id, action="coupon.approved" if approve else "coupon.rejected",
                                   conversation_id=request.conversation_id, detail={"request_id": request_id, "amount": request.amount}))
            await session.commit()
        if not approve:
            return {"status": "rejected", "request_id": request_id}
        coupon = await self._issue(request_id, supervisor)
        return {"status": "issued", "request_id": request_id, "coupon": dataclasses.asdict(coupon)}

    async def _issue(self, request_id: int, by: Agent) -> Coupon:
        async with self._sessions() as session:
            request = await session.get(CouponRequest, request_id)
            assert request is not None
            try:
                coupon = await asyncio.to_thread(
                    self._store.issue_coupon, request.customer_id, request.amount, request.reason, self._settings.coupon_valid_days
                )
            except StoreError as exc:
                request.status = "failed"
                session.add(AuditEntry(agent_id=by.id, action="coupon.failed", conversation_id=request.conversation_id,
                                       detail={"request_id": request_id, "error": str(exc)}))
                await session.commit()
                raise Conflict(f"the store refused the coupon: {exc}") from exc
            request.status = "issued"
            request.coupon_code = coupon.code
            conv = await session.get(Conversation, request.conversation_id)
            assert conv is not None
            owner = await session.get(Agent, conv.assigned_agent_id) if conv.assigned_agent_id else None
            await record(
                session, conv.id, "message", "agent",
                say("coupon_issued", conv.lang, title=coupon.title(conv.lang), code=coupon.code, until=coupon.valid_until),
                {
                    "agent_name": owner.display_name if owner else by.display_name,  # the shopper talks to the owner
                    "approved_by": by.display_name,
                    "card": {"type": "coupon", **dataclasses.asdict(coupon)},
                },
            )
            session.add(AuditEntry(agent_id=by.id, action="coupon.issued", conversation_id=conv.id,
                                   detail={"request_id": request_id, "code": coupon.code, "amount": coupon.amount}))
            await session.commit()
        notify(self._hub, request.conversation_id)
        return coupon

    async def start_return(self, agent: Agent, conversation_id: str, order_id: str, kind: str, reason: str) -> dict[str, Any]:
        """Open the return in the store; the shopper gets the return number, address and steps."""
        if kind not in RETURN_KINDS:
            raise BadRequest(f"kind must be one of {', '.join(RETURN_KINDS)}")
        async with self._sessions() as session:
            conv = await self._chat_of(session, agent, conversation_id)
            try:
                created = await asyncio.to_thread(self._store.create_return, conv.customer_id, order_id, kind, reason)
            except StoreError as exc:
                raise Conflict(f"the store refused: {exc}") from exc
            address = self._settings.return_address_en if conv.lang == "en" else self._settings.return_address_zh
            await record(
                session, conv.id, "message", "agent",
                say(f"return_started_{kind}", conv.lang, return_id=created.return_id, order_id=order_id, address=address),
                {"agent_name": agent.display_name, "card": {"type": "return", **dataclasses.asdict(created), "address": address}},
            )
            session.add(AuditEntry(agent_id=agent.id, action=f"return.{kind}.started", conversation_id=conv.id,
                                   detail={"order_id": order_id, "return_id": created.return_id, "reason": reason}))
            await session.commit()
        notify(self._hub, conversation_id)
        return dataclasses.asdict(created)

    async def audit(self, conversation_id: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        async with self._sessions() as session:
            query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
            if conversation_id:
                query = query.where(AuditEntry.conversation_id == conversation_id)
            rows = (await session.scalars(query)).all()
        return [
            {"agent_id": r.agent_id, "action": r.action, "conversation_id": r.conversation_id, "detail": r.detail,
             "created_at": iso_utc(r.created_at)}
            for r in rows
        ]

    # --- #19: remedies beyond coupons, with the same authority and approval ----------------------

    async def offer_remedy(
        self, agent: Agent, conversation_id: str, order_id: str, kind: str, amount: float, reason: str
    ) -> dict[str, Any]:
        """Done at once within the role's limit for `kind`; above it, queued for a supervisor."""
        if kind not in REMEDY_KINDS:
            raise BadRequest(f"kind must be one of {', '.join(REMEDY_KINDS)}")
        if amount < 0:
            raise BadRequest("the amount cannot be negative")
        limit = remedy_limit(self._settings, agent.role, kind)
        within = amount <= limit
        async with self._sessions() as session:
            conv = await self._chat_of(session, agent, conversation_id)
            request = RemedyRequest(
                conversation_id=conv.id, customer_id=conv.customer_id, order_id=order_id, kind=kind, amount=amount,
                reason=reason, status="performing" if within else "pending", requested_by=agent.id,
            )  # fmt: skip
            session.add(request)
            session.add(AuditEntry(agent_id=agent.id, action=f"remedy.{kind}.requested", conversation_id=conv.id,
                                   detail={"order_id": order_id, "amount": amount, "reason": reason, "within_limit": within}))
            await session.commit()
            request_id = request.id
        if not within:
            self._hub.signal(AGENTS, {"type": "approval_needed", "remedy_request_id": request_id, "kind": kind,
                                      "amount": amount, "conversation_id": conversation_id})
            return {"status": "pending", "request_id": request_id, "limit": limit,
                    "message": f"{amount:g} is above your limit of {limit:g} for {kind}; a supervisor will decide"}
        remedy = await self._perform(request_id, agent)
        return {"status": "done", "request_id": request_id, "remedy": dataclasses.asdict(remedy)}

    async def pending_remedies(self) -> list[dict[str, Any]]:
        async with self._sessions() as session:
            rows = (await session.execute(
                select(RemedyRequest, Agent.display_name).outerjoin(Agent, Agent.id == RemedyRequest.requested_by)
                .where(RemedyRequest.status == "pending").order_by(RemedyRequest.id)
            )).all()  # fmt: skip
        return [
            {"request_id": r.id, "conversation_id": r.conversation_id, "customer_id": r.customer_id, "order_id": r.order_id,
             "kind": r.kind, "amount": r.amount, "reason": r.reason, "requested_by": r.requested_by,
             "requested_by_name": name, "created_at": iso_utc(r.created_at)}
            for r, name in rows
        ]

    async def decide_remedy(self, supervisor: Agent, request_id: int, approve: bool) -> dict[str, Any]:
        async with self._sessions() as session:
            request = await session.get(RemedyRequest, request_id)
            if request is None:
                raise NotFound(f"no remedy request {request_id}")
            if request.status != "pending":
                raise Conflict(f"this request is already {request.status}")
            if approve and request.amount > remedy_limit(self._settings, supervisor.role, request.kind):
                raise Forbidden(f"{request.amount:g} is above your limit too; an admin must approve it")
            decided = await session.execute(
                update(RemedyRequest)
                .where(RemedyRequest.id == request_id, RemedyRequest.status == "pending")
                .values(status="performing" if approve else "rejected", decided_by=supervisor.id)
                .execution_options(synchronize_session=False)
            )
            if decided.rowcount != 1:
                await session.rollback()
                raise Conflict("another supervisor decided this request meanwhile")
            session.add(AuditEntry(
                agent_id=supervisor.id, action=f"remedy.{request.kind}.{'approved' if approve else 'rejected'}",
                conversation_id=request.conversation_id, detail={"request_id": request_id, "amount": request.amount},
            ))  # fmt: skip
            await session.commit()
            requester = request.requested_by
        if not approve:
            self._hub.signal(AGENTS, {"type": "remedy_decided", "remedy_request_id": request_id, "status": "rejected",
                                      "agent_id": requester})
            return {"status": "rejected", "request_id": request_id}
        remedy = await self._perform(request_id, supervisor)
        self._hub.signal(AGENTS, {"type": "remedy_decided", "remedy_request_id": request_id, "status": "done",
                                  "agent_id": requester})
        return {"status": "done", "request_id": request_id, "remedy": dataclasses.asdict(remedy)}

    async def _perform(self, request_id: int, by: Agent) -> Remedy:
        async with self._sessions() as session:
            request = await session.get(RemedyRequest, request_id)
            assert request is not None
            try:
                remedy = await asyncio.to_thread(
                    self._store.perform_remedy, request.customer_id, request.order_id, request.kind, request.amount, request.reason
                )
            except StoreError as exc:
                request.status = "failed"
                session.add(AuditEntry(agent_id=by.id, action=f"remedy.{request.kind}.failed", conversation_id=request.conversation_id,
                                       detail={"request_id": request_id, "error": str(exc)}))
                await session.commit()
                raise Conflict(f"the store refused: {exc}") from exc
            request.status = "done"
            request.remedy_id = remedy.remedy_id
            conv = await session.get(Conversation, request.conversation_id)
            assert conv is not None
            owner = await session.get(Agent, conv.assigned_agent_id) if conv.assigned_agent_id else None
            await record(
                session, conv.id, "message", "agent",
                say(f"remedy_{remedy.kind}", conv.lang, order_id=remedy.order_id, amount=f"{remedy.amount:g}"),
                {
                    "agent_name": owner.display_name if owner else by.display_name,
                    "approved_by": by.display_name,
                    "card": {"type": "remedy", **dataclasses.asdict(remedy)},
                },
            )  # fmt: skip
            session.add(AuditEntry(agent_id=by.id, action=f"remedy.{remedy.kind}.done", conversation_id=conv.id,
                                   detail={"request_id": request_id, "remedy_id": remedy.remedy_id, "order_id": remedy.order_id,
                                           "amount": remedy.amount}))
            await session.commit()
        notify(self._hub, request.conversation_id)
        return remedy

    async def history(self, customer_id: str) -> list[dict[str, Any]]:
        """Every remedy and coupon asked for this customer, with who asked and who decided (customer 360)."""
        async with self._sessions() as session:
            return await remedy_history(session, customer_id)


async def remedy_history(session: AsyncSession, customer_id: str) -> list[dict[str, Any]]:
    """Every remedy and coupon asked for a customer, newest first, with who asked and who decided."""
    remedies = (await session.scalars(
        select(RemedyRequest).where(RemedyRequest.customer_id == customer_id).order_by(RemedyRequest.id.desc()).limit(50)
    )).all()  # fmt: skip
    coupons = (await session.scalars(
        select(CouponRequest).where(CouponRequest.customer_id == customer_id).order_by(CouponRequest.id.desc()).limit(50)
    )).all()  # fmt: skip
    names = {a.id: a.display_name for a in (await session.scalars(select(Agent))).all()}
    rows = [
        {"kind": r.kind, "order_id": r.order_id, "amount": r.amount, "status": r.status, "reason": r.reason,
         "requested_by": names.get(r.requested_by or 0, "bot"), "decided_by": names.get(r.decided_by or 0),
         "reference": r.remedy_id, "created_at": iso_utc(r.created_at)}
        for r in remedies
    ] + [
        {"kind": "coupon", "order_id": None, "amount": c.amount, "status": c.status, "reason": c.reason,
         "requested_by": names.get(c.requested_by), "decided_by": names.get(c.decided_by or 0),
         "reference": c.coupon_code, "created_at": iso_utc(c.created_at)}
        for c in coupons
    ]
    return sorted(rows, key=lambda row: row["created_at"] or "", reverse=True)
