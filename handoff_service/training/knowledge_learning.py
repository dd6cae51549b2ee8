"""What the knowledge base learns from the chats: proposals made from agents' answers to questions
the bot could not answer, and coverage (which entries answer, which never do, which draw a
thumbs-down or an escalation right after).

A proposal is read from the record, not stored: an open review item (the bot did not understand,
or the knowledge base had no answer) in a chat where an agent then replied. Accepting or
dismissing it resolves the review item, so it leaves the trainer's inbox too.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff_service.core.errors import NotFound
from handoff_service.core.models import (
    Escalation,
    Event,
    KnowledgeUse,
    ReviewItem,
    as_utc,
    iso_utc,
    utcnow,
)
from handoff_service.training.knowledge import KnowledgeCatalogue
from handoff_service.training.review import DISMISSED, LABELLED, OPEN, ReviewService
from kefu_contract.turn_report import TurnReport
from kefu_privacy import mask_pii

log = logging.getLogger(__name__)

# Why the bot could not answer: these items, answered by an agent, teach the knowledge base.
UNANSWERED = ("kb_abstained", "not_understood", "fallback", "escalated", "low_confidence")
# The agent answered what an existing entry says (their reply this close to its answer): the entry
# gets the question as a new phrasing rather than a new entry being proposed.
SAME_ANSWER = 0.75
ESCALATION_AFTER = dt.timedelta(minutes=5)
PROPOSALS_LIMIT = 50


class KnowledgeUsage:
    """Records each turn the bot answered from a knowledge entry (told by ReviewService.record_turn)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def record(self, conversation_id: str, shopper_event_seq: int, turn: TurnReport) -> None:
        if turn.outcome != "answered" or not turn.kb_entry or turn.kb_abstained:
            return
        try:
            async with self._sessions() as session:
                session.add(
                    KnowledgeUse(
                        entry_id=turn.kb_entry[:128], conversation_id=conversation_id,
                        event_seq=shopper_event_seq, score=turn.kb_score,
                    )  # fmt: skip
                )
                await session.commit()
        except IntegrityError:
            return  # the same turn told twice
        except SQLAlchemyError as exc:
            log.error("knowledge.use.not_recorded", extra={"conversation_id": conversation_id, "error": str(exc)})


class KnowledgeLearning:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], review: ReviewService, catalogue: KnowledgeCatalogue
    ) -> None:
        self._sessions = sessions
        self._review = review
        self._catalogue = catalogue

    # --- proposals from agents' answers ---------------------------------------------------------------

    async def proposals(self) -> list[dict[str, Any]]:
        async with self._sessions() as session:
            items = [
                item for item in await session.scalars(
                    select(ReviewItem).where(ReviewItem.status == OPEN).order_by(ReviewItem.id.desc()).limit(2000)
                )
                if set(item.reasons or []) & set(UNANSWERED)
            ]  # fmt: skip
            replies = await self._agent_replies(session, items)
        out = []
        for item in items:
            reply = replies.get(item.id)
            if reply is None:
                continue
            out.append(await self._proposal(item, reply))
            if len(out) >= PROPOSALS_LIMIT:
                break
        return out

    async def _agent_replies(self, session: AsyncSession, items: list[ReviewItem]) -> dict[int, Event]:
        """The first agent message after each item's question, in its chat."""
        chats = list({i.conversation_id for i in items})
        if not chats:
            return {}
        events = list(
            await session.scalars(
                select(Event)
                .where(Event.conversation_id.in_(chats), Event.sender == "agent", Event.kind == "message", Event.text != "")
                .order_by(Event.id)
            )
        )
        out: dict[int, Event] = {}
        for item in items:
            reply = next((e for e in events if e.conversation_id == item.conversation_id and e.id > item.event_seq), None)
            if reply is not None:
                out[item.id] = reply
        return out

    async def _proposal(self, item: ReviewItem, reply: Event) -> dict[str, Any]:
        question = mask_pii(item.text)
        answer = mask_pii(reply.text)
        lang = item.lang if item.lang in ("zh", "en") else "zh"
        nearest = None
        try:
            hits = (await self._catalogue.try_question(question, lang))["now"]["hits"]
            if hits and await self._catalogue.similarity(answer, hits[0]["answer"]) >= SAME_ANSWER:
                nearest = hits[0]
        except Exception as exc:  # noqa: BLE001 - a proposal without a nearest entry is still a proposal
            log.warning("knowledge.proposal.search_failed", extra={"error": str(exc)})
        base = {
            "item_id": item.id, "conversation_id": item.conversation_id, "lang": lang, "question": question,
            "agent_reply": answer, "reasons": list(item.reasons or []), "asked_at": iso_utc(item.created_at),
        }  # fmt: skip
        if nearest is not None:
            return {**base, "kind": "phrasing", "entry_id": nearest["id"], "score": nearest["score"],
                    "entry_answer": nearest["answer"]}  # fmt: skip
        form = {
            "id": "", "category": "", "questions": {lang: [question]},
            "answer": {lang: answer, ("en" if lang == "zh" else "zh"): ""},
        }  # fmt: skip
        return {**base, "kind": "entry", "form": form}

    async def _open_item(self, item_id: int) -> ReviewItem:
        async with self._sessions() as session:
            item = await session.get(ReviewItem, item_id)
        if item is None or item.status != OPEN:
            raise NotFound(f"no open proposal {item_id} (already handled: reload)")
        return item

    async def accept_entry(self, item_id: int, form: dict[str, Any], by: str) -> dict[str, Any]:
        await self._open_item(item_id)
        result = await self._catalogue.create(form, by, action="accept")
        await self._review.resolve([item_id], LABELLED, "knowledge", result["entry"]["id"], by)
        return result

    async def accept_phrasing(
        self, item_id: int, entry_id: str, version: str, question: str, lang: str, by: str
    ) -> dict[str, Any]:
        await self._open_item(item_id)
        current = await self._catalogue.get(entry_id)
        form = {**current, "questions": {**current["questions"], lang: [*current["questions"][lang], question]}}
        result = await self._catalogue.update(entry_id, form, version, by, action="accept")
        await self._review.resolve([item_id], LABELLED, "knowledge", entry_id, by)
        return result

    async def dismiss(self, item_id: int, by: str) -> dict[str, Any]:
        await self._open_item(item_id)
        return {"dismissed": await self._review.resolve([item_id], DISMISSED, "dismissed", None, by)}

    # --- coverage --------------------------------------------------------------------------------------

    async def coverage(self, days: int = 7) -> dict[str, Any]:
        """Per entry: answers in the last `days`, ever, the last one, and how many were followed by
        a thumbs-down or an escalation (within ESCALATION_AFTER)."""
        since = utcnow() - dt.timedelta(days=days)
        records = await self._catalogue.records()
        async with self._sessions() as session:
            recent = dict(
                (await session.execute(
                    select(KnowledgeUse.entry_id, func.count()).where(KnowledgeUse.created_at >= since).group_by(KnowledgeUse.entry_id)
                )).all()  # type: ignore[arg-type]
            )  # fmt: skip
            ever = {
                row[0]: (row[1], row[2])
                for row in (await session.execute(
                    select(KnowledgeUse.entry_id, func.count(), func.max(KnowledgeUse.created_at)).group_by(KnowledgeUse.entry_id)
                )).all()
            }  # fmt: skip
            uses = list(await session.scalars(select(KnowledgeUse).where(KnowledgeUse.created_at >= since)))
            chats = list({u.conversation_id for u in uses})
            thumbs = set()
            escalations: dict[str, list[dt.datetime]] = {}
            if chats:
                for item in await session.scalars(select(ReviewItem).where(ReviewItem.conversation_id.in_(chats))):
                    if "thumbs_down" in (item.reasons or []):
                        thumbs.add((item.conversation_id, item.event_seq))
                for esc in await session.scalars(select(Escalation).where(Escalation.conversation_id.in_(chats))):
                    escalations.setdefault(esc.conversation_id, []).append(as_utc(esc.created_at))
        down: dict[str, int] = {}
        escalated: dict[str, int] = {}
        for use in uses:
            if (use.conversation_id, use.event_seq) in thumbs:
                down[use.entry_id] = down.get(use.entry_id, 0) + 1
            at = as_utc(use.created_at)
            if any(at <= moment <= at + ESCALATION_AFTER for moment in escalations.get(use.conversation_id, [])):
                escalated[use.entry_id] = escalated.get(use.entry_id, 0) + 1
        rows = []
        for entry_id, record in sorted(records.items()):
            count, last = ever.get(entry_id, (0, None))
            rows.append({
                "id": entry_id, "category": record.entry.category, "archived": record.entry.archived,
                "answered": recent.get(entry_id, 0), "answered_ever": count, "last_answered": iso_utc(last),
                "thumbs_down": down.get(entry_id, 0), "escalated_after": escalated.get(entry_id, 0),
            })  # fmt: skip
        rows.sort(key=lambda r: (-(r["thumbs_down"] + r["escalated_after"]), -r["answered"], r["id"]))
        return {"days": days, "entries": rows, "never_used": [r["id"] for r in rows if not r["answered_ever"]]}
