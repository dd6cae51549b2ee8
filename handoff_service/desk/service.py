"""The agents' side of a conversation: the queue, claiming and auto-assignment, replies,
transfer, hand-back to the bot, closing with a satisfaction survey, agent status."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff_service.core import lifecycle, surveys
from handoff_service.core.agents import DESK_ROLES
from handoff_service.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    RasaUnavailable,
)
from handoff_service.core.events import (
    StoredEvent,
    clean_text,
    event_public,
    find_by_client_id,
    record,
)
from handoff_service.core.hub import AGENTS, EventHub, conversation_channel, notify
from handoff_service.core.metrics import Metrics
from handoff_service.core.models import (
    Agent,
    AuditEntry,
    Conversation,
    Escalation,
    Event,
    ProactiveAlert,
    iso_utc,
)
from handoff_service.core.queue import PRIORITY_RANK, queue_key, waiting
from handoff_service.core.rasa_client import RasaClient
from handoff_service.core.states import State
from handoff_service.desk.assignment import (
    free_seat,
    least_loaded,
    online_agents,
    take_seat,
)
from kefu_privacy import mask_name, mask_pii

log = logging.getLogger(__name__)

HANDOFF_OUTCOME_SLOT = "handoff_outcome"
STATUSES = ("online", "away", "offline")


class DeskService:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], hub: EventHub, rasa: RasaClient, metrics: Metrics
    ) -> None:
        self._sessions = sessions
        self._hub = hub
        self._rasa = rasa
        self._metrics = metrics
        # How often a customer may be asked CSAT (core/surveys.py); the app sets it from its settings.
        self.csat_every_hours = 24.0
        self.skill_fallback_seconds: float | None = None  # #19: then a chat needing a skill goes to anyone

    async def _conversation(self, session: AsyncSession, conversation_id: str) -> Conversation:
        conv = await session.get(Conversation, conversation_id)
        if conv is None:
            raise NotFound(f"no conversation {conversation_id!r}")
        return conv

    async def _owned_by(self, session: AsyncSession, agent: Agent, conversation_id: str) -> Conversation:
        conv = await self._conversation(session, conversation_id)
        if conv.state != State.AGENT or conv.assigned_agent_id != agent.id:
            raise Forbidden("this conversation is not assigned to you")
        return conv

    # --- what agents see ------------------------------------------------------------------------

    async def queue(self, viewer_id: int | None = None) -> list[dict[str, Any]]:
        """Chats waiting for a person or with one: waiting ones first, most urgent, longest waiting.

        Every agent's console gets the queue; only the chat's own agent (`viewer_id`) sees its
        shopper's name and callback contact unmasked: claiming a chat is what opens them.
        Without a viewer, both are masked for every chat."""
        async with self._sessions() as session:
            convs = (
                await session.scalars(
                    select(Conversation).where(Conversation.state.in_([State.QUEUED, State.AGENT, State.CALLBACK]))
                )
            ).all()
            latest = {
                cid: (reason, packet)
                for cid, reason, packet in (
                    await session.execute(
                        select(Escalation.conversation_id, Escalation.reason, Escalation.packet)
                        .where(Escalation.conversation_id.in_([c.id for c in convs]))
                        .order_by(Escalation.id)
                    )
                ).all()
            }  # the latest escalation of each chat wins
            names = dict((await session.execute(select(Agent.id, Agent.display_name))).all())
        order = {c.id: i for i, c in enumerate(sorted((c for c in convs if c.state == State.QUEUED), key=queue_key))}
        items = [
            {
                "conversation_id": conv.id,
                "state": conv.state,
                "customer_id": conv.customer_id,
                "lang": conv.lang,
                "priority": conv.priority or "routine",
                "reason": latest[conv.id][0] if conv.id in latest else None,
                "customer_name": _masked_unless(
                    conv.assigned_agent_id == viewer_id,
                    ((latest[conv.id][1] or {}).get("customer") or {}).get("name") if conv.id in latest else None,
                    mask_name,
                ),
                "queued_at": iso_utc(conv.queued_at),
                "waiting_seconds": round(lifecycle.seconds_since(conv.queued_at)) if conv.state == State.QUEUED else None,
                "position": order[conv.id] + 1 if conv.id in order else None,
                "assigned_agent_id": conv.assigned_agent_id,
                "assigned_agent_name": names.get(conv.assigned_agent_id),
                "callback_contact": _masked_unless(conv.assigned_agent_id == viewer_id, conv.callback_contact, mask_pii),
            }
            for conv in convs
        ]
        state_rank = {State.QUEUED: 0, State.CALLBACK: 1, State.AGENT: 2}
        items.sort(key=lambda i: (state_rank[i["state"]], i["position"] or 0, PRIORITY_RANK[i["priority"]]))
        return items

    async def _latest_escalation(self, session: AsyncSession, conversation_id: str) -> Escalation | None:
        return await session.scalar(
            select(Escalation).where(Escalation.conversation_id == conversation_id).order_by(Escalation.id.desc())
        )

    async def detail(self, conversation_id: str) -> dict[str, Any]:
        async with self._sessions() as session:
            conv = await self._conversation(session, conversation_id)
            escalations = (
                await session.scalars(
                    select(Escalation).where(Escalation.conversation_id == conversation_id).order_by(Escalation.id)
                )
            ).all()
            events = (
                await session.scalars(select(Event).where(Event.conversation_id == conversation_id).order_by(Event.id))
            ).all()
            agent = await session.get(Agent, conv.assigned_agent_id) if conv.assigned_agent_id else None
            alerts = (
                await session.scalars(select(ProactiveAlert).where(ProactiveAlert.conversation_id == conversation_id).order_by(ProactiveAlert.id))
            ).all()
        latest = escalations[-1] if escalations else None
        # What the store told the shopper before they asked (issue #16): the bot's packet does not know it.
        proactive = [
            {"rule": a.rule_id, "kind": a.kind, "order_id": a.order_id, "text": a.text, "sent_at": iso_utc(a.sent_at),
             "choice": a.choice, "choice_result": a.choice_result}
            for a in alerts
        ]  # fmt: skip
        packet = latest.packet if latest else {}
        return {
            "conversation_id": conv.id,
            "state": conv.state,
            "lang": conv.lang,
            "priority": conv.priority or "routine",
            "customer_id": conv.customer_id,
            "assigned_agent_id": conv.assigned_agent_id,
            "assigned_agent_name": agent.display_name if agent else None,
            "callback_contact": conv.callback_contact,
            "escalation": {
                "reason": latest.reason,
                "priority": latest.priority,
                "summary": packet.get("summary", ""),
                "transcript": packet.get("transcript", []),
                "slots": packet.get("slots", {}),
                "proactive": proactive,
            }
            if latest
            else None,
            "escalations": [
                {"reason": e.reason, "priority": e.priority, "created_at": iso_utc(e.created_at)} for e in escalations
            ],
            "sentiment_trend": [
                {"text": t.get("text"), "sentiment": t.get("sentiment")}
                for e in escalations
                for t in e.packet.get("transcript", [])
                if t.get("sender") == "shopper" and t.get("sentiment") is not None
            ],
            "customer": packet.get("customer"),
            "proactive": proactive,
            "events": [event_public(e) for e in events],
        }

    async def agents_load(self) -> list[dict[str, Any]]:
        """The supervisor's view: who is online and how full they are."""
        async with self._sessions() as session:
            agents = (await session.scalars(select(Agent).order_by(Agent.id))).all()
        return [
            {
                "id": a.id,
                "username": a.username,
                "display_name": a.display_name,
                "role": a.role,
                "active": a.active,
                "status": a.status,
                "active_chats": a.active_chats,
                "max_concurrent": a.max_concurrent,
                "languages": a.languages,
                "skills": a.skills,
                "team": a.team,
            }
            for a in agents
        ]

    # --- taking chats ------------------------------------------------------------------------------

    async def claim(self, agent: Agent, conversation_id: str) -> None:
        async with self._sessions() as session:
            conv = await self._conversation(session, conversation_id)
            await self._assign(session, conv, agent, how="claimed")
        notify(self._hub, conversation_id, queue_changed=True)

    async def _assign(self, session: AsyncSession, conv: Conversation, agent: Agent, how: str) -> None:
        """Give `conv` to `agent` in the caller's transaction: a seat, then the owner, or neither."""
        if conv.state not in (State.QUEUED, State.CALLBACK):
            raise Conflict(f"this conversation is {conv.state}, not waiting for a person")
        limit = agent.max_concurrent  # read before a rollback expires it (no lazy loads in async code)
        if not await take_seat(session, agent.id):
            await session.rollback()
            raise Conflict(f"you already have {limit} chats, your limit; finish one first")
        waited = await lifecycle.assign(session, conv, agent, how)
        session.add(AuditEntry(agent_id=agent.id, action=f"conversation.{how}", conversation_id=conv.id))
        await session.commit()
        self._metrics.waiting_seconds.observe(waited)
        log.info("handoff.conversation.assigned", extra={"conversation_id": conv.id, "agent": agent.username, "how": how})

    async def assign_waiting(self) -> int:
        """Auto-assign waiting chats, most urgent first, to the least-loaded eligible online agent.

        Each attempt reads the queue afresh in its own session: after a lost race (another replica
        or request assigned the chat first) nothing stale is reused.
        """
        assigned = 0
        for _ in range(1000):
            async with self._sessions() as session:
                agents = await online_agents(session)
                if not any(a.active_chats < a.max_concurrent for a in agents):
                    break
                fallback = self.skill_fallback_seconds
                pair = next(((c, a) for c in await waiting(session) if (a := least_loaded(agents, c, fallback))), None)
                if pair is None:
                    break
                conv, agent = pair
                try:
                    await self._assign(session, conv, agent, how="auto_assigned")
                except Conflict:
                    continue  # someone else took it (or the seat); look again
            assigned += 1
            self._hub.signal(AGENTS, {"type": "assigned", "conversation_id": conv.id, "agent_id": agent.id})
            notify(self._hub, conv.id, queue_changed=True)
        return assigned

    async def set_status(self, agent: Agent, status: str) -> None:
        if status not in STATUSES:
            raise BadRequest(f"status must be one of {', '.join(STATUSES)}")
        async with self._sessions() as session:
            row = await session.get(Agent, agent.id)
            assert row is not None
            row.status = status
            await session.commit()
        self._hub.publish(AGENTS)
        if status == "online":
            await self.assign_waiting()

    # --- talking --------------------------------------------------------------------------------

    async def add_agent_message(
        self, agent: Agent, conversation_id: str, text: str, client_id: str | None
    ) -> Event | StoredEvent:
        text = clean_text(text)
        async with self._sessions() as session:
            conv = await self._owned_by(session, agent, conversation_id)
            if existing := await find_by_client_id(session, conversation_id, client_id):
                return existing
            first = lifecycle.first_response(conv)
            try:
                event = await record(
                    session, conversation_id, "message", "agent", text, {"agent_name": agent.display_name}, client_id
                )
                await session.commit()
            except IntegrityError:
                # The same reply resent while its first try was being stored: that one stands.
                await session.rollback()
                if existing := await find_by_client_id(session, conversation_id, client_id):
                    return existing
                raise Conflict("the reply could not be stored; please send it again") from None
        if first:
            self._metrics.first_response_seconds.observe(lifecycle.seconds_since(conv.queued_at))
        self._metrics.messages.labels("agent").inc()
        notify(self._hub, conversation_id)
        return event

    async def agent_typing(self, agent: Agent, conversation_id: str, typing: bool) -> None:
        """Only the owner's typing reaches the shopper: the bot and other agents never talk over them."""
        async with self._sessions() as session:
            await self._owned_by(session, agent, conversation_id)
        self._hub.signal(
            conversation_channel(conversation_id),
            {"type": "typing", "who": "agent", "typing": typing, "agent_name": agent.display_name},
        )

    # --- letting go -------------------------------------------------------------------------------

    async def _free_seat_of(self, session: AsyncSession, conv: Conversation) -> None:
        if conv.assigned_agent_id:
            await free_seat(session, conv.assigned_agent_id)

    async def transfer(self, agent: Agent, conversation_id: str, to_agent_id: int | None, team: str | None) -> None:
        """To a colleague directly (if they have a seat), or back to the queue for a team."""
        if (to_agent_id is None) == (team is None):
            raise BadRequest("transfer to either an agent or a team")
        async with self._sessions() as session:
            conv = await self._owned_by(session, agent, conversation_id)
            if to_agent_id is not None:
                target = await session.get(Agent, to_agent_id)
                if target is None or not target.active or target.id == agent.id:
                    raise BadRequest("choose another active agent")
                if target.role not in DESK_ROLES:
                    raise Conflict(f"{target.display_name} is a {target.role} account and answers no chats")
                if conv.lang not in (target.languages or []):
                    raise Conflict(f"{target.display_name} does not speak this shopper's language")
                if not await take_seat(session, target.id):
                    await session.rollback()
                    raise Conflict(f"{target.display_name} is at their chat limit")
                await free_seat(session, agent.id)
                await lifecycle.transfer(session, conv, target)
            else:
                await self._free_seat_of(session, conv)
                await lifecycle.requeue(session, conv, team)
            session.add(
                AuditEntry(
                    agent_id=agent.id, action="conversation.transferred", conversation_id=conv.id,
                    detail={"to_agent_id": to_agent_id, "team": team},
                )
            )
            await session.commit()
        notify(self._hub, conversation_id, queue_changed=team is not None)
        if team is not None:
            await self.assign_waiting()

    async def hand_back(self, agent: Agent, conversation_id: str, outcome: str) -> None:
        """Give the chat back to the bot, and tell the bot's tracker how it was resolved."""
        async with self._sessions() as session:
            conv = await self._owned_by(session, agent, conversation_id)
            await self._free_seat_of(session, conv)
            handled = await lifecycle.hand_back(session, conv, outcome, agent.id)
            await surveys.ask_csat(session, conv, "handback", agent.id, self.csat_every_hours)
            session.add(AuditEntry(agent_id=agent.id, action="conversation.handed_back", conversation_id=conv.id, detail={"outcome": outcome}))
            await session.commit()
        self._metrics.handle_seconds.observe(handled)
        notify(self._hub, conversation_id)
        try:
            await self._rasa.set_slot(conversation_id, HANDOFF_OUTCOME_SLOT, outcome)
        except RasaUnavailable as exc:
            log.warning("handoff.rasa.outcome_not_told", extra={"conversation_id": conversation_id, "error": str(exc)})
        await self.assign_waiting()

    async def close(self, agent: Agent, conversation_id: str) -> None:
        """End the chat and ask the shopper how it went (1–5 and a comment, in the widget)."""
        async with self._sessions() as session:
            conv = await self._owned_by(session, agent, conversation_id)
            await self._free_seat_of(session, conv)
            handled = await lifecycle.close(session, conv, agent.id)
            session.add(AuditEntry(agent_id=agent.id, action="conversation.closed", conversation_id=conv.id))
            await session.commit()
        self._metrics.handle_seconds.observe(handled)
        notify(self._hub, conversation_id)
        await self.assign_waiting()

    async def last_event_id(self) -> int:
        async with self._sessions() as session:
            return int(await session.scalar(select(func.max(Event.id))) or 0)

    async def events_for_agent(self, agent_id: int, after: int) -> list[Event]:
        """New events of the chats this agent owns (or just released), for their console at once."""
        async with self._sessions() as session:
            mine = select(Conversation.id).where(Conversation.assigned_agent_id == agent_id)
            rows = await session.scalars(
                select(Event)
                .where(Event.id > after)
                .where((Event.conversation_id.in_(mine)) | (Event.payload["agent_id"].as_integer() == agent_id))
                .order_by(Event.id)
            )
            return list(rows)


def _masked_unless(shown: bool, value: str | None, mask: Callable[[str], str]) -> str | None:
    return value if shown or value is None else mask(value)
