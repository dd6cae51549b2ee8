"""Promised callbacks (#19): "I'll check and get back to you before 5 pm". The agent sets a time
and a note; the shopper sees the promise in the thread; it sits in the agent's and supervisors'
lists, reminds the agent `promise_remind_minutes` before it is due and, once late, alerts the
supervisors. Times are shown in the store's time zone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff_service.core.deps import SUPERVISOR_ROLES
from handoff_service.core.errors import BadRequest, Forbidden, NotFound
from handoff_service.core.events import record
from handoff_service.core.hours import zone
from handoff_service.core.hub import AGENTS, EventHub, notify
from handoff_service.core.models import (
    Agent,
    AuditEntry,
    CallbackPromise,
    Conversation,
    as_utc,
    iso_utc,
    utcnow,
)
from handoff_service.core.states import State
from handoff_service.core.texts import say

MAX_AHEAD = dt.timedelta(days=7)


class Promises:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], hub: EventHub, timezone: str, remind_minutes: float
    ) -> None:
        self._sessions = sessions
        self._hub = hub
        self._timezone = timezone
        self._remind = dt.timedelta(minutes=remind_minutes)

    def local(self, moment: dt.datetime) -> str:
        return as_utc(moment).astimezone(zone(self._timezone)).strftime("%m-%d %H:%M")

    async def promise(self, agent: Agent, conversation_id: str, due_at: dt.datetime, note: str) -> dict[str, Any]:
        due_at = as_utc(due_at)
        now = utcnow()
        if due_at <= now + dt.timedelta(minutes=1):
            raise BadRequest("回电时间须在将来。The callback time must be in the future.")
        if due_at > now + MAX_AHEAD:
            raise BadRequest("回电时间不能超过 7 天。The callback time must be within 7 days.")
        async with self._sessions() as session:
            conv = await session.get(Conversation, conversation_id)
            if conv is None:
                raise NotFound(f"no conversation {conversation_id!r}")
            if conv.state != State.AGENT or conv.assigned_agent_id != agent.id:
                raise Forbidden("this conversation is not assigned to you")
            row = CallbackPromise(conversation_id=conv.id, customer_id=conv.customer_id, agent_id=agent.id, due_at=due_at,
                                  note=note.strip()[:500], status="open")
            session.add(row)
            due_local = self.local(due_at)
            await record(
                session, conv.id, "message", "agent", say("promise_made", conv.lang, due=due_local),
                {"agent_name": agent.display_name, "card": {"type": "promise", "due_at": iso_utc(due_at), "due_local": due_local}},
            )  # fmt: skip
            session.add(AuditEntry(agent_id=agent.id, action="promise.made", conversation_id=conv.id,
                                   detail={"due_at": iso_utc(due_at), "note": row.note}))
            await session.commit()
            public = self._public(row, agent.display_name)
        notify(self._hub, conversation_id)
        return public

    def _public(self, r: CallbackPromise, agent_name: str | None) -> dict[str, Any]:
        left = (as_utc(r.due_at) - utcnow()).total_seconds()
        return {
            "id": r.id, "conversation_id": r.conversation_id, "customer_id": r.customer_id, "agent_id": r.agent_id,
            "agent_name": agent_name, "due_at": iso_utc(r.due_at), "due_local": self.local(r.due_at), "note": r.note,
            "status": r.status, "seconds_left": round(left), "overdue": r.status == "open" and left < 0,
        }  # fmt: skip

    async def listing(self, agent: Agent, everyone: bool = False) -> list[dict[str, Any]]:
        """Open promises, soonest first: the agent's own, or (supervisors) everyone's."""
        if everyone and agent.role not in SUPERVISOR_ROLES:
            raise Forbidden("只有主管可以查看所有人的回电承诺。Only supervisors see everyone's promises.")
        async with self._sessions() as session:
            query = select(CallbackPromise).where(CallbackPromise.status == "open").order_by(CallbackPromise.due_at)
            if not everyone:
                query = query.where(CallbackPromise.agent_id == agent.id)
            rows = (await session.scalars(query)).all()
            names = {a.id: a.display_name for a in (await session.scalars(select(Agent))).all()}
        return [self._public(r, names.get(r.agent_id)) for r in rows]

    async def keep(self, agent: Agent, promise_id: int) -> dict[str, Any]:
        async with self._sessions() as session:
            row = await session.get(CallbackPromise, promise_id)
            if row is None:
                raise NotFound(f"no promise {promise_id}")
            if row.agent_id != agent.id and agent.role not in SUPERVISOR_ROLES:
                raise Forbidden("this is another agent's promise")
            row.status, row.kept_at = "kept", utcnow()
            late = as_utc(row.kept_at) > as_utc(row.due_at)
            session.add(AuditEntry(agent_id=agent.id, action="promise.kept", conversation_id=row.conversation_id,
                                   detail={"promise_id": promise_id, "late": late}))
            await session.commit()
            return self._public(row, agent.display_name)

    async def sweep(self) -> tuple[int, int]:
        """Remind before a promise is due and escalate once it is late, each once; (reminded, escalated)."""
        now = utcnow()
        reminded = escalated = 0
        async with self._sessions() as session:
            rows = (await session.scalars(select(CallbackPromise).where(
                CallbackPromise.status == "open", CallbackPromise.due_at <= now + self._remind,
            ))).all()  # fmt: skip
            for r in rows:
                late = as_utc(r.due_at) <= now
                flag = CallbackPromise.escalated if late else CallbackPromise.reminded
                if (r.escalated if late else r.reminded):
                    continue
                claimed = await session.execute(
                    update(CallbackPromise).where(CallbackPromise.id == r.id, flag.is_(False))
                    .values({flag.key: True}).execution_options(synchronize_session=False)
                )  # fmt: skip
                if claimed.rowcount != 1:
                    continue  # another replica took it
                if late:
                    session.add(AuditEntry(agent_id=r.agent_id, action="promise.overdue", conversation_id=r.conversation_id,
                                           detail={"promise_id": r.id, "due_at": iso_utc(r.due_at)}))
                await session.commit()
                frame = {"type": "promise_overdue" if late else "promise_due", "promise_id": r.id, "agent_id": r.agent_id,
                         "conversation_id": r.conversation_id, "due_at": iso_utc(r.due_at), "due_local": self.local(r.due_at),
                         "note": r.note}
                self._hub.signal(AGENTS, frame)
                escalated, reminded = escalated + late, reminded + (not late)
        return reminded, escalated
