"""Chat QA review: the sampled queue of closed chats, the supervisors' scorecards of them (shown to
the agent), and the case library of exemplary chats.

The queue holds every closed chat an agent handled with CSAT <= 2, a long handle time, or an
escalation after a hand-back to the bot (reopened), plus a share of the others drawn at random;
the draw hashes the chat's id, so the queue is the same on every replica and every reload."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff_service.core.errors import BadRequest, Conflict, NotFound
from handoff_service.core.models import (
    Agent,
    CaseEntry,
    Conversation,
    Event,
    QaReview,
    iso_utc,
)
from handoff_service.insight.facts import ChatFacts
from handoff_service.insight.record import Rating

CRITERIA = ("greeting", "empathy", "accuracy", "solution", "closing")


def drawn(conversation_id: str, share: float) -> bool:
    digest = int(hashlib.sha256(conversation_id.encode()).hexdigest()[:8], 16)
    return digest % 10_000 < share * 10_000


def sample(chats: list[ChatFacts], ratings: list[Rating], reviewed: set[str], long_handle: float, share: float) -> list[dict[str, Any]]:
    low = {r.conversation_id for r in ratings if r.kind == "csat" and r.score <= 2}
    queue = []
    for chat in chats:
        if chat.state != "closed" or chat.agent_id is None or chat.id in reviewed:
            continue
        why = [
            name for name, hit in (
                ("low_csat", chat.id in low), ("long_handle", chat.handle_seconds > long_handle),
                ("reopened", chat.reopened), ("random", drawn(chat.id, share)),
            ) if hit
        ]  # fmt: skip
        if why:
            queue.append({
                "conversation_id": chat.id, "created_at": iso_utc(chat.created_at), "agent_id": chat.agent_id,
                "lang": chat.lang, "topic": chat.topic, "handle_seconds": round(chat.handle_seconds), "sampled_for": why,
            })  # fmt: skip
    order = {"low_csat": 0, "reopened": 1, "long_handle": 2, "random": 3}
    return sorted(queue, key=lambda item: (order[item["sampled_for"][0]], item["created_at"]))


def review_public(review: QaReview, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": review.id,
        "conversation_id": review.conversation_id,
        "agent_id": review.agent_id,
        "agent_name": names.get(review.agent_id or 0),
        "reviewer": names.get(review.reviewer_id),
        "scores": review.scores,
        "average": round(sum(review.scores.values()) / len(review.scores), 2),
        "comment": review.comment,
        "sampled_for": review.sampled_for,
        "created_at": iso_utc(review.created_at),
    }


class QaDesk:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def reviewed(self) -> set[str]:
        async with self._sessions() as session:
            return set((await session.scalars(select(QaReview.conversation_id))).all())

    async def review(
        self, reviewer: Agent, conversation_id: str, scores: dict[str, int], comment: str, sampled_for: list[str],
        case_title: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        if set(scores) != set(CRITERIA) or not all(isinstance(v, int) and 1 <= v <= 5 for v in scores.values()):
            raise BadRequest("每项评分须为 1–5：问候、共情、准确、方案、结束语。Score each of greeting, empathy, accuracy, solution, closing 1-5.")
        async with self._sessions() as session:
            conv = await session.get(Conversation, conversation_id)
            if conv is None:
                raise NotFound(f"no conversation {conversation_id!r}")
            agent_id = await session.scalar(
                select(Event.payload["agent_id"].as_string())
                .where(Event.conversation_id == conversation_id, Event.kind == "state", Event.payload["state"].as_string() == "agent")
                .order_by(Event.id.desc()).limit(1)
            )  # fmt: skip
            if agent_id is None:
                raise Conflict("没有客服接待过这个对话。No agent handled this chat.")
            review = QaReview(
                conversation_id=conversation_id, agent_id=int(agent_id), reviewer_id=reviewer.id,
                scores={k: scores[k] for k in CRITERIA}, comment=comment.strip()[:2000], sampled_for=sampled_for[:4],
            )  # fmt: skip
            session.add(review)
            if case_title:
                session.add(CaseEntry(conversation_id=conversation_id, title=case_title.strip()[:200], note=comment.strip()[:2000], tags=[], added_by=reviewer.id))
            try:
                await session.commit()
            except IntegrityError as exc:
                raise Conflict("这个对话已在案例库中。This chat is already in the case library.") from exc
            names = await self._names(session)
        return review_public(review, names)

    async def reviews(self, agent_id: int | None = None, limit: int = 200) -> list[dict[str, Any]]:
        async with self._sessions() as session:
            query = select(QaReview).order_by(QaReview.id.desc()).limit(limit)
            if agent_id is not None:
                query = query.where(QaReview.agent_id == agent_id)
            rows = (await session.scalars(query)).all()
            names = await self._names(session)
        return [review_public(r, names) for r in rows]

    async def cases(self, q: str = "", limit: int = 50) -> list[dict[str, Any]]:
        """The case library, newest first; `q` matches the title, the note, or what was said in the chat."""
        async with self._sessions() as session:
            query = select(CaseEntry).order_by(CaseEntry.id.desc()).limit(limit)
            if q.strip():
                like = f"%{q.strip()}%"
                said = select(Event.conversation_id).where(
                    Event.conversation_id.in_(select(CaseEntry.conversation_id)), Event.kind == "message", Event.text.like(like)
                )
                query = query.where(or_(CaseEntry.title.like(like), CaseEntry.note.like(like), CaseEntry.conversation_id.in_(said)))
            rows = (await session.scalars(query)).all()
            names = await self._names(session)
        return [
            {"id": r.id, "conversation_id": r.conversation_id, "title": r.title, "note": r.note, "added_by": names.get(r.added_by),
             "created_at": iso_utc(r.created_at)}
            for r in rows
        ]  # fmt: skip

    async def _names(self, session: AsyncSession) -> dict[int, str]:
        return {i: n for i, n in (await session.execute(select(Agent.id, Agent.display_name))).all()}
