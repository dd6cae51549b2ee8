"""Writing a chat's history as the service records it (the same events, payloads and rows the
lifecycle, the desk and the ratings write), at chosen times, in bulk: the demo's seeded weeks,
the benchmark's year and the tests' hand-made histories."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert

from handoff_service.core.models import (
    AuditEntry,
    Conversation,
    Csat,
    Escalation,
    Event,
    Survey,
)
from handoff_service.insight.record import DEMO_TOKEN


@dataclass
class ChatStory:
    """One chat told move by move; `t` is seconds after `start`."""

    start: dt.datetime
    customer_id: str | None = None
    lang: str = "zh"
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    demo: bool = False
    state: str = "bot"
    events: list[dict[str, Any]] = field(default_factory=list)
    escalations: list[dict[str, Any]] = field(default_factory=list)
    csat: dict[str, Any] | None = None
    surveys: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    agent_id: int | None = None
    times: dict[str, dt.datetime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # SQLite keeps a datetime's digits without its offset: everything is written in UTC, as the service does.
        self.start = self.start.astimezone(dt.UTC)

    def at(self, t: float) -> dt.datetime:
        return self.start + dt.timedelta(seconds=t)

    def _event(self, t: float, kind: str, sender: str, text: str = "", **payload: Any) -> ChatStory:
        self.events.append({"conversation_id": self.id, "kind": kind, "sender": sender, "text": text, "payload": payload, "created_at": self.at(t)})
        return self

    def shopper(self, t: float, text: str) -> ChatStory:
        return self._event(t, "message", "shopper", text, lang=self.lang)

    def bot(self, t: float, text: str, intent: str | None = None, kb_entry: str | None = None, outcome: str = "answered") -> ChatStory:
        return self._event(t, "message", "bot", text, turn={"intent": intent, "kb_entry": kb_entry, "outcome": outcome})

    def agent(self, t: float, text: str) -> ChatStory:
        return self._event(t, "message", "agent", text)

    def escalate(self, t: float, reason: str = "explicit_request", priority: str = "routine") -> ChatStory:
        self.state = "queued"
        self.times.setdefault("queued_at", self.at(t))
        self.escalations.append({"conversation_id": self.id, "reason": reason, "priority": priority, "packet": {"reason": reason}, "created_at": self.at(t)})
        return self._event(t, "state", "system", "queued", state="queued", reason=reason, priority=priority)

    def join(self, t: float, agent_id: int, how: str = "claimed") -> ChatStory:
        self.state, self.agent_id = "agent", agent_id
        self.times.setdefault("assigned_at", self.at(t))
        return self._event(t, "state", "system", "joined", state="agent", agent_id=agent_id, how=how)

    def transfer(self, t: float, to_agent: int) -> ChatStory:
        return self.join(t, to_agent, how="transferred")

    def requeue(self, t: float, team: str | None = None) -> ChatStory:
        self.state = "queued"
        return self._event(t, "state", "system", "transferred", state="queued", reason="transfer", team=team)

    def hand_back(self, t: float, outcome: str = "resolved") -> ChatStory:
        agent, self.state = self.agent_id, "bot"
        return self._event(t, "state", "system", "back to bot", state="bot", outcome=outcome, agent_id=agent)

    def close(self, t: float) -> ChatStory:
        self.state = "closed"
        self.times["closed_at"] = self.at(t)
        self._event(t, "state", "system", "closed", state="closed", agent_id=self.agent_id)
        return self._event(t, "csat_request", "system", "rate", scale=[1, 5])

    def abandon(self, t: float) -> ChatStory:
        self.state = "abandoned"
        self.times["closed_at"] = self.at(t)
        return self._event(t, "state", "system", "abandoned", state="abandoned")

    def rate(self, t: float, score: int, comment: str = "") -> ChatStory:
        """The shopper's 1-5 after an agent closed the chat (the `csat` table)."""
        self.csat = {"conversation_id": self.id, "agent_id": self.agent_id, "score": score, "comment": comment, "created_at": self.at(t)}
        return self._event(t, "csat", "shopper", comment, score=score)

    def survey(self, t: float, kind: str, context: str, score: int, comment: str = "") -> ChatStory:
        self.surveys.append({
            "conversation_id": self.id, "customer_id": self.customer_id, "kind": kind, "context": context,
            "agent_id": self.agent_id if context == "handback" else None, "score": score, "comment": comment, "created_at": self.at(t),
        })  # fmt: skip
        return self._event(t, kind, "shopper", comment, score=score)

    def start_return(self, t: float, kind: str, order_id: str = "") -> ChatStory:
        self.audit.append({
            "agent_id": self.agent_id, "action": f"return.{kind}.started", "conversation_id": self.id,
            "detail": {"order_id": order_id}, "created_at": self.at(t),
        })  # fmt: skip
        return self.agent(t, f"return {kind} started")

    def conversation_row(self) -> dict[str, Any]:
        return {
            "id": self.id, "token_hash": DEMO_TOKEN if self.demo else uuid.uuid4().hex + uuid.uuid4().hex,
            "customer_id": self.customer_id, "lang": self.lang, "state": self.state,
            "assigned_agent_id": self.agent_id if self.state == "agent" else None, "created_at": self.start,
            "queued_at": self.times.get("queued_at"), "assigned_at": self.times.get("assigned_at"),
            "first_response_at": None, "handled_seconds": None, "released_at": None, "closed_at": self.times.get("closed_at"),
            "sla_alerted": False, "priority": None, "skill": None, "team": None, "callback_contact": None, "callback_due": None,
        }  # fmt: skip


def write(connection: Connection, stories: list[ChatStory]) -> None:
    """Insert the stories' rows in bulk (executemany per table), in the caller's transaction."""
    batches: list[tuple[Any, list[dict[str, Any]]]] = [
        (Conversation.__table__, [s.conversation_row() for s in stories]),
        (Event.__table__, [{**e, "client_id": None} for s in stories for e in sorted(s.events, key=lambda e: e["created_at"])]),
        (Escalation.__table__, [{**e, "signature": None} for s in stories for e in s.escalations]),
        (Csat.__table__, [s.csat for s in stories if s.csat]),
        (Survey.__table__, [row for s in stories for row in s.surveys]),
        (AuditEntry.__table__, [row for s in stories for row in s.audit]),
    ]
    for table, rows in batches:
        if rows:
            connection.execute(insert(table), rows)


def add_agents(connection: Connection, agents: dict[int, str], prefix: str = "agent") -> None:
    """Accounts for the agents a history names, that cannot log in (inactive, no password): the
    demo's past colleagues, the tests' agents."""
    from handoff_service.core.models import Agent

    present = set(connection.execute(Agent.__table__.select().with_only_columns(Agent.__table__.c.id)).scalars())
    rows = [
        {"id": agent_id, "username": f"{prefix}{agent_id}", "display_name": name, "password_hash": "!", "role": "agent",
         "active": False, "status": "offline", "max_concurrent": 3, "active_chats": 0, "languages": ["zh", "en"], "skills": []}
        for agent_id, name in agents.items() if agent_id not in present
    ]  # fmt: skip
    if rows:
        connection.execute(insert(Agent.__table__), rows)
