"""Tables: conversations and their events (the transcript), escalations, agents, and the
records the desk keeps (notes, CSAT, coupon approvals, audit log)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands datetimes back without an offset; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def iso_utc(moment: dt.datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment else None


class Base(DeclarativeBase):
    pass


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    lang: Mapped[str] = mapped_column(String(8), default="zh")
    state: Mapped[str] = mapped_column(String(16), default="bot", index=True)
    priority: Mapped[str | None] = mapped_column(String(16))
    skill: Mapped[str | None] = mapped_column(String(32))
    team: Mapped[str | None] = mapped_column(String(32))
    assigned_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    queued_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    assigned_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    first_response_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # How long the last agent held the chat (claim to hand-back or close): feeds wait estimates.
    handled_seconds: Mapped[float | None] = mapped_column(Float)
    released_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    sla_alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    callback_contact: Mapped[str | None] = mapped_column(String(128))
    callback_due: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Event(Base):
    """One thing the shopper or agent sees: a message, or a change of who is answering."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("conversation_id", "client_id", name="uq_event_client_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # message | state | csat_request | csat
    sender: Mapped[str] = mapped_column(String(16))  # shopper | bot | agent | system
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    client_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Escalation(Base):
    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))
    packet: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The signature of the post that created it: a replayed post is refused.
    signature: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="agent")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="offline")  # online | away | offline
    max_concurrent: Mapped[int] = mapped_column(Integer, default=3)
    active_chats: Mapped[int] = mapped_column(Integer, default=0)
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["zh", "en"])
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    team: Mapped[str | None] = mapped_column(String(32))


class AgentSession(Base):
    __tablename__ = "agent_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CustomerNote(Base):
    __tablename__ = "customer_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    text: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Csat(Base):
    __tablename__ = "csat"

    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CouponRequest(Base):
    """A coupon an agent offered; above their authority it waits for a supervisor."""

    __tablename__ = "coupon_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))  # pending | issued | rejected
    requested_by: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    coupon_code: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    action: Mapped[str] = mapped_column(String(48))
    conversation_id: Mapped[str | None] = mapped_column(String(32), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RetrainRun(Base):
    """One retrain started from the trainer's page: its progress, its report, whether it went live."""

    __tablename__ = "retrain_runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # training | evaluating | ready | needs_confirmation | switched | failed
    status: Mapped[str] = mapped_column(String(24), index=True)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    switched_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    model_before: Mapped[str | None] = mapped_column(String(512))
    model_after: Mapped[str | None] = mapped_column(String(512))
    progress: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    switched_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ReviewItem(Base):
    """A shopper message the bot misunderstood (or the shopper found unhelpful), kept for trainers
    to turn into an NLU example or a knowledge entry."""

    __tablename__ = "review_items"
    __table_args__ = (UniqueConstraint("conversation_id", "event_seq", name="uq_review_item_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    event_seq: Mapped[int] = mapped_column(ForeignKey("events.id"))  # the shopper's message
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)  # fallback | low_confidence | kb_abstained | …
    intent: Mapped[str | None] = mapped_column(String(128))
    confidence: Mapped[float | None] = mapped_column(Float)
    ranking: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    kb_entry: Mapped[str | None] = mapped_column(String(128))
    kb_score: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | labelled | dismissed
    # {"kind": intent | new_intent | knowledge | dismissed, "value": …, "by": username, "at": iso time}
    resolution: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Relay(Base):
    """A shopper message the bot owes an answer (the outbox of the relay to Rasa), written in the
    same transaction as the message: a process that stops between the acknowledgement and the
    answer leaves it here for the next replica (or the next start) to relay.

    `outcome` is None while the relay is due; a replica holds it while `lease_until` is ahead."""

    __tablename__ = "relays"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(16))  # answered | queued | failed
    reason: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


# --- issue #20: the knowledge page (history of page edits, which entry answered which turn) ---------


class KnowledgeChange(Base):
    """One change of a knowledge entry made from the knowledge page (or its import): who, what,
    when, and the entry's data before and after, so the last change can be undone."""

    __tablename__ = "knowledge_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(String(128), index=True)
    action: Mapped[str] = mapped_column(String(16))  # create | edit | archive | restore | import | undo | accept
    by: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    version_after: Mapped[str | None] = mapped_column(String(32))
    undone: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class KnowledgeUse(Base):
    """A shopper turn the bot answered from a knowledge entry (from the bot's turn report): what the
    coverage view counts, and joins to thumbs-down and escalations that followed."""

    __tablename__ = "knowledge_uses"
    __table_args__ = (UniqueConstraint("conversation_id", "event_seq", name="uq_knowledge_use_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(String(128), index=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    event_seq: Mapped[int] = mapped_column(Integer)  # the shopper's message
    score: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


# --- proactive service (issue #16): orders watched, alerts sent, shoppers' preferences -------------


class TrackedOrder(Base):
    """The latest the store told kefu about an order (webhook or scan): what the rules read."""

    __tablename__ = "tracked_orders"

    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    # What the scan filters on, so a pass reads only the orders a rule may speak about now.
    last_tracking_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    shipped_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    refunded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, index=True)  # a delivery exception or a pre-sale promise
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # store.client.OrderTracking as a dict
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProactiveAlert(Base):
    """One message a rule sent (or held back) about one order: at most one per order and rule."""

    __tablename__ = "proactive_alerts"
    __table_args__ = (UniqueConstraint("order_id", "rule_id", name="uq_proactive_alert_order_rule"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    order_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    lang: Mapped[str] = mapped_column(String(8), default="zh")
    # sent | deferred (quiet hours, daily cap: sent when due_at comes) | opted_out | failed
    outcome: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(Text)
    choices: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    channels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # channel → sent | failed: why | skipped
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    new_conversation: Mapped[bool] = mapped_column(Boolean, default=False)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # the widget took the new chat
    choice: Mapped[str | None] = mapped_column(String(32))
    choice_result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    chosen_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)


class ProactivePreference(Base):
    """What a customer wants to hear from the store: nothing (opt-out), or through which channel."""

    __tablename__ = "proactive_preferences"

    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(16), default="email")  # chat | email | webhook
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StoreWebhookReceipt(Base):
    """A signed store webhook already taken: the same signature again is a replay."""

    __tablename__ = "store_webhook_receipts"

    signature: Mapped[str] = mapped_column(String(80), primary_key=True)
    events: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class ScanCursor(Base):
    """Where the periodic scan of the store's order changes got to."""

    __tablename__ = "scan_cursors"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- Service insight (issue #17): surveys beyond the agent's CSAT, chat QA reviews, the case library ---


class Survey(Base):
    """A shopper's answer to a survey the `csat` table does not hold: CSAT asked after a hand-back to
    the bot or at the end of a bot-only chat, and NPS (0-10)."""

    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("conversation_id", "kind", name="uq_survey_chat_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # csat | nps
    context: Mapped[str] = mapped_column(String(16))  # handback | bot_end | nps
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class QaReview(Base):
    """A supervisor's scorecard of one closed chat (greeting, empathy, accuracy, solution, closing: 1-5)."""

    __tablename__ = "qa_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)  # the agent reviewed
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    scores: Mapped[dict[str, int]] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")
    sampled_for: Mapped[list[str]] = mapped_column(JSON, default=list)  # random | low_csat | long_handle | reopened
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseEntry(Base):
    """An exemplary chat kept as training material, searchable from the console."""

    __tablename__ = "case_library"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    added_by: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReportRun(Base):
    """One scheduled report of one period, claimed by the replica that sends it: the unique (kind,
    period) keeps it to one sending across replicas and restarts; a claim left unsent past its lease
    (a replica died mid-send) may be taken again, and `sent_to` skips who already has it."""

    __tablename__ = "report_runs"
    __table_args__ = (UniqueConstraint("kind", "period", name="uq_report_run_kind_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # weekly
    period: Mapped[str] = mapped_column(String(16))  # 2026-W48
    claimed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_to: Mapped[list[str]] = mapped_column(JSON, default=list)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)


# --- #19: photos, remedies with approval, senior help, shifts ---------------------------------


class Attachment(Base):
    """A photo sent in a chat, re-encoded without EXIF; its bytes live in the attachment storage."""

    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    sender: Mapped[str] = mapped_column(String(16))  # shopper | agent
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(160))
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RemedyRequest(Base):
    """A remedy beyond a coupon (reship, refund, waiver, express, gift) an agent asked the store for;
    above the role's authority it waits for a supervisor, like a coupon."""

    __tablename__ = "remedy_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    order_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    amount: Mapped[float] = mapped_column(Float, default=0.0)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))  # pending | performing | done | rejected | failed
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))  # None: the bot
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    remedy_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HelpRequest(Base):
    """An agent asked a senior for help on a chat; `answered_at` is when a senior first joined."""

    __tablename__ = "help_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | joined | taken_over | closed
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class PrivateNote(Base):
    """A whisper between staff on a chat. Kept apart from `events` so no shopper path can read it."""

    __tablename__ = "private_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AgentShift(Base):
    """When an agent is expected online: a weekday (0 = Monday) and minutes of the store's local day."""

    __tablename__ = "agent_shifts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)


class CallbackPromise(Base):
    """#19: "I'll check and get back to you by 5 pm": kept, reminded before it is due, escalated when late."""

    __tablename__ = "callback_promises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(64))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | kept
    reminded: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kept_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ReplyTemplate(Base):
    """#19: the reply library: one situation in one tone, in Chinese and English, with placeholders."""

    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(80))
    tone: Mapped[str] = mapped_column(String(16), index=True)  # warm | professional | brief
    text_zh: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    archived: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
