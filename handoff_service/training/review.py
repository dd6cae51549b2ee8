"""The trainers' review inbox: shopper messages the bot misunderstood (as the bot reported each
turn) or the shopper marked unhelpful, kept until a trainer labels or dismisses them."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff_service.core.errors import Conflict, NotFound
from handoff_service.core.models import Conversation, Event, ReviewItem, utcnow
from kefu_contract.turn_report import TurnReport

log = logging.getLogger(__name__)

OPEN, LABELLED, DISMISSED = "open", "labelled", "dismissed"
# Why a message is in the inbox; "not_understood": another flow's failure message (not the knowledge base's).
REASONS = ("fallback", "low_confidence", "kb_abstained", "not_understood", "escalated", "thumbs_down")
MAX_ITEMS = 5000  # newest first: the inbox is for what shoppers ask now


def _name(value: str | None) -> str | None:
    return value[:128] if value else None


def reasons_for(text: str, turn: TurnReport, confidence_below: float) -> list[str]:
    """Why this turn belongs in the inbox (empty: it does not). A button's payload is not language,
    and a shopper who typed "转人工" and was handed over was understood."""
    if text.startswith("/"):
        return []
    intent, confidence, outcome = _name(turn.intent), turn.confidence, turn.outcome
    reasons = []
    if intent == "nlu_fallback":
        reasons.append("fallback")
    elif confidence is not None and confidence < confidence_below:
        reasons.append("low_confidence")
    if outcome == "kb_abstained" or turn.kb_abstained:
        reasons.append("kb_abstained")
    if outcome == "not_understood":
        reasons.append("not_understood")
    if outcome == "escalated" and intent != "request_human":
        reasons.append("escalated")
    return reasons


def ranking_of(turn: TurnReport) -> list[dict[str, Any]]:
    return [{"name": _name(r.name), "confidence": r.confidence} for r in turn.ranking[:3] if r.name]


def item_public(item: ReviewItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "conversation_id": item.conversation_id,
        "event_seq": item.event_seq,
        "text": item.text,
        "lang": item.lang,
        "reasons": list(item.reasons or []),
        "intent": item.intent,
        "confidence": item.confidence,
        "ranking": list(item.ranking or []),
        "kb_entry": item.kb_entry,
        "kb_score": item.kb_score,
        "status": item.status,
        "resolution": item.resolution,
    }


class ReviewService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        confidence_below: float,
        usage: Callable[[str, int, TurnReport], Awaitable[None]] | None = None,
    ) -> None:
        """`usage` is told of every turn report (the knowledge page counts answers: issue #20)."""
        self._sessions = sessions
        self._confidence_below = confidence_below
        self._usage = usage

    # --- recording ----------------------------------------------------------------------------

    async def record_turn(
        self, conversation_id: str, shopper_event_seq: int, text: str, lang: str, turn: TurnReport
    ) -> ReviewItem | None:
        """Keep the shopper's message if the bot's report of the turn says it was misunderstood.
        Never fails the chat: a database error is logged and the message simply is not kept."""
        if self._usage is not None:
            await self._usage(conversation_id, shopper_event_seq, turn)
        reasons = reasons_for(text, turn, self._confidence_below)
        if not reasons:
            return None
        fields = {
            "intent": _name(turn.intent),
            "confidence": turn.confidence,
            "ranking": ranking_of(turn),
            "kb_entry": _name(turn.kb_entry),
            "kb_score": turn.kb_score,
        }
        try:
            item = await self._add_reasons(conversation_id, shopper_event_seq, text, lang, reasons, fields)
        except SQLAlchemyError as exc:
            log.error("review.record.failed", extra={"conversation_id": conversation_id, "error": str(exc)})
            return None
        log.info("review.item.recorded", extra={"conversation_id": conversation_id, "reasons": reasons})
        return item

    async def feedback(self, conversation_id: str, seq: int, helpful: bool) -> ReviewItem | None:
        """The shopper rated a bot message; unhelpful puts the question before it in the inbox
        (once, however often they click)."""
        async with self._sessions() as session:
            event = await session.get(Event, seq)
            if event is None or event.conversation_id != conversation_id:
                raise NotFound(f"no event {seq} in this conversation")
            if event.sender != "bot" or event.kind != "message":
                raise Conflict("only the bot's answers can be rated")
            if helpful:
                return None
            question = await session.scalar(
                select(Event)
                .where(
                    Event.conversation_id == conversation_id,
                    Event.id < seq,
                    Event.sender == "shopper",
                    Event.kind == "message",
                    ~Event.text.startswith("/"),
                )
                .order_by(Event.id.desc())
                .limit(1)
            )
            conv = await session.get(Conversation, conversation_id)
        if question is None:
            return None
        carried = (question.payload or {}).get("lang")  # detected when the message came in
        lang = carried if isinstance(carried, str) else conv.lang if conv else "zh"

        return await self._add_reasons(conversation_id, question.id, question.text, lang, ["thumbs_down"], {})

    async def _add_reasons(
        self, conversation_id: str, seq: int, text: str, lang: str, reasons: list[str], fields: dict[str, Any]
    ) -> ReviewItem:
        """Create the item for this shopper message, or add `reasons` to it; two at once create one."""
        for _ in range(2):
            async with self._sessions() as session:
                item = await session.scalar(
                    select(ReviewItem).where(ReviewItem.conversation_id == conversation_id, ReviewItem.event_seq == seq)
                )
                if item is None:
                    item = ReviewItem(
                        conversation_id=conversation_id, event_seq=seq, text=text, lang=lang,
                        reasons=reasons, status=OPEN, **{"ranking": [], **fields},
                    )  # fmt: skip
                    session.add(item)
                else:
                    item.reasons = [*(item.reasons or []), *(r for r in reasons if r not in (item.reasons or []))]
                    for key, value in fields.items():
                        if getattr(item, key) in (None, []):
                            setattr(item, key, value)
                try:
                    await session.commit()
                except IntegrityError:
                    await session.rollback()
                    continue
                return item
        raise Conflict("the review item changed meanwhile; try again")

    # --- reading and resolving ------------------------------------------------------------------

    async def items(
        self, statuses: Sequence[str], since: dt.datetime | None = None, reason: str | None = None
    ) -> list[ReviewItem]:
        """Items in `statuses`, newest first (at most MAX_ITEMS)."""
        query = select(ReviewItem).where(ReviewItem.status.in_(list(statuses)))
        if since is not None:
            query = query.where(ReviewItem.created_at >= since)
        async with self._sessions() as session:
            rows = list(await session.scalars(query.order_by(ReviewItem.id.desc()).limit(MAX_ITEMS)))
        return [r for r in rows if reason is None or reason in (r.reasons or [])]

    async def resolve(self, item_ids: Sequence[int], status: str, kind: str, value: Any, by: str) -> int:  # noqa: ANN401
        """Mark open items labelled or dismissed, saying how and by whom; returns how many changed."""
        if not item_ids:
            return 0
        now = utcnow()
        resolution = {"kind": kind, "value": value, "by": by, "at": now.isoformat()}
        async with self._sessions() as session:
            rows = list(
                await session.scalars(select(ReviewItem).where(ReviewItem.id.in_(list(item_ids)), ReviewItem.status == OPEN))
            )
            for item in rows:
                item.status, item.resolution, item.resolved_at = status, resolution, now
            await session.commit()
        log.info("review.items.resolved", extra={"kind": kind, "count": len(rows), "by": by})
        return len(rows)

    async def labelled(self) -> list[dict[str, Any]]:
        """Messages trainers gave an intent: the retrain report checks the new model on them."""
        rows = await self.items([LABELLED])
        return [
            {"id": r.id, "text": r.text, "lang": r.lang, "intent": (r.resolution or {}).get("value")}
            for r in reversed(rows)
            if (r.resolution or {}).get("kind") in ("intent", "new_intent")
        ]
