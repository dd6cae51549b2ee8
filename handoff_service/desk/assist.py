"""Senior help on a live chat (#19): an agent asks, online supervisors see the request with its
timer (target `help_target_seconds`, an alert after it), join to read the chat and whisper
private notes the shopper never sees, or take the chat over with one click. Whispers live in
their own table (`private_notes`), which no shopper path reads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff_service.core import lifecycle
from handoff_service.core.deps import SUPERVISOR_ROLES
from handoff_service.core.errors import BadRequest, Conflict, Forbidden, NotFound
from handoff_service.core.events import clean_text
from handoff_service.core.hub import AGENTS, EventHub, notify
from handoff_service.core.lifecycle import seconds_since
from handoff_service.core.models import (
    Agent,
    AuditEntry,
    Conversation,
    HelpRequest,
    PrivateNote,
    as_utc,
    iso_utc,
    utcnow,
)
from handoff_service.core.states import State
from handoff_service.desk.assignment import free_seat, take_seat

OPEN = ("open", "joined")


class SeniorHelp:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], hub: EventHub, target_seconds: int) -> None:
        self._sessions = sessions
        self._hub = hub
        self.target_seconds = target_seconds

    async def _chat(self, session: AsyncSession, conversation_id: str) -> Conversation:
        conv = await session.get(Conversation, conversation_id)
        if conv is None:
            raise NotFound(f"no conversation {conversation_id!r}")
        return conv

    def _may_see(self, staff: Agent, conv: Conversation) -> None:
        """The chat's own agent and supervisors (the seniors) take part in its private notes."""
        if staff.role not in SUPERVISOR_ROLES and conv.assigned_agent_id != staff.id:
            raise Forbidden("只有本会话的客服和主管可以查看内部备注。Only this chat's agent and supervisors see its private notes.")

    async def ask(self, agent: Agent, conversation_id: str, note: str) -> dict[str, Any]:
        note = note.strip()[:500]
        async with self._sessions() as session:
            conv = await self._chat(session, conversation_id)
            if conv.state != State.AGENT or conv.assigned_agent_id != agent.id:
                raise Forbidden("this conversation is not assigned to you")
            existing = await session.scalar(
                select(HelpRequest).where(HelpRequest.conversation_id == conv.id, HelpRequest.status.in_(OPEN))
            )
            if existing is not None:
                raise Conflict("已经在等待主管协助。A senior has already been asked to help on this chat.")
            request = HelpRequest(conversation_id=conv.id, requested_by=agent.id, note=note, status="open")
            session.add(request)
            session.add(AuditEntry(agent_id=agent.id, action="help.requested", conversation_id=conv.id, detail={"note": note}))
            await session.commit()
            public = self._public(request, agent.display_name, None)
        self._hub.signal(AGENTS, {"type": "help_requested", **public})
        return public

    def _public(self, r: HelpRequest, asked_by: str | None, helper: str | None) -> dict[str, Any]:
        if r.answered_at is None:
            waited = seconds_since(r.created_at)
        else:
            waited = (as_utc(r.answered_at) - as_utc(r.created_at)).total_seconds()
        return {
            "request_id": r.id, "conversation_id": r.conversation_id, "note": r.note, "status": r.status,
            "requested_by_name": asked_by, "helper_name": helper, "created_at": iso_utc(r.created_at),
            "answered_at": iso_utc(r.answered_at), "waited_seconds": round(waited),
            "target_seconds": self.target_seconds, "overdue": r.answered_at is None and waited > self.target_seconds,
        }  # fmt: skip

    async def requests(self) -> list[dict[str, Any]]:
        """Open and joined requests, the longest waiting first: the seniors' list with its timers."""
        async with self._sessions() as session:
            rows = (await session.scalars(
                select(HelpRequest).where(HelpRequest.status.in_(OPEN)).order_by(HelpRequest.created_at)
            )).all()  # fmt: skip
            names = {a.id: a.display_name for a in (await session.scalars(select(Agent))).all()}
        return [self._public(r, names.get(r.requested_by), names.get(r.helper_id or 0)) for r in rows]

    async def join(self, senior: Agent, request_id: int) -> dict[str, Any]:
        async with self._sessions() as session:
            request = await session.get(HelpRequest, request_id)
            if request is None:
                raise NotFound(f"no help request {request_id}")
            if request.status not in OPEN:
                raise Conflict(f"this request is already {request.status}")
            await session.execute(
                update(HelpRequest).where(HelpRequest.id == request_id, HelpRequest.answered_at.is_(None))
                .values(answered_at=utcnow()).execution_options(synchronize_session=False)
            )  # fmt: skip
            request.status, request.helper_id = "joined", senior.id
            session.add(AuditEntry(agent_id=senior.id, action="help.joined", conversation_id=request.conversation_id,
                                   detail={"request_id": request_id, "waited_seconds": round(seconds_since(request.created_at))}))
            await session.commit()
            await session.refresh(request)
            public = self._public(request, None, senior.display_name)
        self._hub.signal(AGENTS, {"type": "help_joined", **public})
        return public

    async def whisper(self, staff: Agent, conversation_id: str, text: str) -> dict[str, Any]:
        text = clean_text(text)
        async with self._sessions() as session:
            conv = await self._chat(session, conversation_id)
            self._may_see(staff, conv)
            note = PrivateNote(conversation_id=conv.id, agent_id=staff.id, text=text)
            session.add(note)
            await session.commit()
            public = {"id": note.id, "conversation_id": conv.id, "text": text, "by": staff.display_name,
                      "agent_id": staff.id, "created_at": iso_utc(note.created_at)}
        self._hub.signal(AGENTS, {"type": "whisper", **public})
        return public

    async def notes(self, staff: Agent, conversation_id: str) -> list[dict[str, Any]]:
        async with self._sessions() as session:
            conv = await self._chat(session, conversation_id)
            self._may_see(staff, conv)
            rows = (await session.execute(
                select(PrivateNote, Agent.display_name).join(Agent, Agent.id == PrivateNote.agent_id)
                .where(PrivateNote.conversation_id == conversation_id).order_by(PrivateNote.id)
            )).all()  # fmt: skip
        return [
            {"id": n.id, "conversation_id": n.conversation_id, "text": n.text, "by": name, "agent_id": n.agent_id,
             "created_at": iso_utc(n.created_at)}
            for n, name in rows
        ]

    async def take_over(self, senior: Agent, conversation_id: str) -> None:
        """The senior becomes the chat's agent; the shopper sees the change, the helped agent's seat frees."""
        if senior.role not in SUPERVISOR_ROLES:
            raise Forbidden("只有主管可以接管会话。Only supervisors take a chat over.")
        async with self._sessions() as session:
            conv = await self._chat(session, conversation_id)
            if conv.state != State.AGENT:
                raise Conflict(f"this conversation is {conv.state}, not with an agent")
            previous = conv.assigned_agent_id
            if previous == senior.id:
                raise BadRequest("this chat is already yours")
            if not await take_seat(session, senior.id):
                await session.rollback()
                raise Conflict("you are at your chat limit; finish one first")
            if previous:
                await free_seat(session, previous)
            await lifecycle.transfer(session, conv, senior)
            await session.execute(
                update(HelpRequest).where(HelpRequest.conversation_id == conversation_id, HelpRequest.status.in_(OPEN))
                .values(status="taken_over", helper_id=senior.id)
                .execution_options(synchronize_session=False)
            )  # fmt: skip
            session.add(AuditEntry(agent_id=senior.id, action="conversation.taken_over", conversation_id=conversation_id,
                                   detail={"from_agent_id": previous}))
            await session.commit()
        notify(self._hub, conversation_id)

    async def alert_overdue(self) -> int:
        """Signal each request still unanswered past the target, once (the sweeper calls this)."""
        alerted = 0
        async with self._sessions() as session:
            rows = (await session.scalars(
                select(HelpRequest).where(HelpRequest.status == "open", HelpRequest.alerted.is_(False))
            )).all()  # fmt: skip
            for r in rows:
                if seconds_since(r.created_at) < self.target_seconds:
                    continue
                claimed = await session.execute(
                    update(HelpRequest).where(HelpRequest.id == r.id, HelpRequest.alerted.is_(False))
                    .values(alerted=True).execution_options(synchronize_session=False)
                )  # fmt: skip
                await session.commit()
                if claimed.rowcount == 1:
                    alerted += 1
                    self._hub.signal(AGENTS, {"type": "help_overdue", "request_id": r.id, "conversation_id": r.conversation_id,
                                              "waited_seconds": round(seconds_since(r.created_at))})
        return alerted
