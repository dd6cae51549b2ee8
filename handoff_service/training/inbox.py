"""The trainer's side of the review inbox: open items grouped by similarity, and what a trainer
does with a group (teach the bot an intent, add a knowledge entry, dismiss it)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from bot_training.nlu_files import (
    BotProject,
    DuplicateExample,
    InvalidIntentName,
    NluFileError,
    UnknownIntent,
    add_example,
)
from handoff_service.core.errors import BadRequest, KefuError, NotFound
from handoff_service.core.models import ReviewItem, as_utc, iso_utc, utcnow
from handoff_service.training.grouping import group_texts, normalise_text
from handoff_service.training.review import DISMISSED, LABELLED, OPEN, ReviewService
from kb_index.encoder import shared_encoder
from kb_index.errors import KnowledgeError, KnowledgeFileError

EXAMPLE_TEXTS = 5


class TrainingDataRefused(KefuError):
    status_code = 422
    code = "invalid"

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def refused(exc: NluFileError | KnowledgeError) -> KefuError:
    """The one place an error of the trainers' files becomes an HTTP error."""
    if isinstance(exc, UnknownIntent):
        return TrainingDataRefused(str(exc), "unknown_intent")
    if isinstance(exc, InvalidIntentName):
        return TrainingDataRefused(str(exc), "invalid_intent_name")
    if isinstance(exc, KnowledgeFileError):
        return TrainingDataRefused("; ".join(exc.problems), "invalid_knowledge")
    if isinstance(exc, KnowledgeError):
        return TrainingDataRefused(str(exc), "invalid_knowledge")
    return TrainingDataRefused(str(exc), "invalid_example")


@dataclass
class ReviewGroup:
    items: list[ReviewItem]  # oldest first

    @property
    def id(self) -> str:
        return str(self.items[0].id)

    def distinct_texts(self) -> list[str]:
        """Each phrasing once, the most frequent first."""
        counts = Counter(normalise_text(i.text) for i in self.items)
        first: dict[str, str] = {}
        for item in self.items:
            first.setdefault(normalise_text(item.text), item.text)
        return [first[key] for key, _ in sorted(counts.items(), key=lambda kv: -kv[1])]

    @property
    def lang(self) -> str:
        langs = {i.lang for i in self.items}
        return langs.pop() if len(langs) == 1 else "mixed"

    @property
    def last_seen(self) -> dt.datetime:
        return max(as_utc(i.created_at) for i in self.items)

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "size": len(self.items),
            "texts": self.distinct_texts()[:EXAMPLE_TEXTS],
            "lang": self.lang,
            "first_seen": iso_utc(min(as_utc(i.created_at) for i in self.items)),
            "last_seen": iso_utc(self.last_seen),
        }

    def details(self) -> dict[str, Any]:
        reasons = Counter(r for i in self.items for r in i.reasons or [])
        return {
            **self.summary(),
            "reasons": dict(reasons),
            "top_intents": self.top_intents(),
            "item_ids": [i.id for i in self.items],
        }

    def top_intents(self) -> list[dict[str, Any]]:
        """NLU's best guesses for the group: each intent's confidence averaged over the items NLU ranked."""
        ranked = [i.ranking for i in self.items if i.ranking]
        totals: Counter[str] = Counter()
        for ranking in ranked:
            for r in ranking:
                totals[r["name"]] += float(r.get("confidence") or 0.0)
        best = sorted(totals.items(), key=lambda kv: -kv[1])[:3]
        return [{"name": name, "confidence": round(total / len(ranked), 4)} for name, total in best]


class TrainerInbox:
    def __init__(self, review: ReviewService, project_dir: Path, similarity: float, encoder_model: str) -> None:
        self._review = review
        self._project_dir = project_dir
        self._similarity = similarity
        self._model = encoder_model
        self._vectors: dict[str, np.ndarray] = {}

    # --- views ----------------------------------------------------------------------------------

    async def inbox(self, status: str, lang: str | None) -> dict[str, Any]:
        groups = await self._groups(await self._review.items([status]))
        if lang:
            groups = [g for g in groups if any(i.lang == lang for i in g.items)]
        groups.sort(key=lambda g: (-len(g.items), -g.last_seen.timestamp()))
        return {"groups": [g.details() for g in groups], "total_items": sum(len(g.items) for g in groups)}

    async def gaps(self, days: int) -> dict[str, Any]:
        """What shoppers asked that the knowledge base had no answer for, biggest need first."""
        since = utcnow() - dt.timedelta(days=days)
        items = await self._review.items([OPEN, LABELLED], since=since, reason="kb_abstained")
        groups = sorted(await self._groups(items), key=lambda g: (-len(g.items), -g.last_seen.timestamp()))
        return {"groups": [g.summary() for g in groups]}

    async def _groups(self, items: list[ReviewItem]) -> list[ReviewGroup]:
        items = sorted(items, key=lambda i: i.id)
        if not items:
            return []
        vectors = await self._encode([i.text for i in items])
        indexes = group_texts([i.text for i in items], vectors, self._similarity)
        return [ReviewGroup([items[n] for n in group]) for group in indexes]

    async def _encode(self, texts: list[str]) -> np.ndarray:
        """Vectors of `texts`, encoding only the ones not seen before (off the event loop)."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            encoder = await asyncio.to_thread(shared_encoder, self._model)
            encoded = await asyncio.to_thread(encoder.encode, missing)
            if len(self._vectors) > 50_000:
                self._vectors.clear()
            self._vectors.update(zip(missing, encoded, strict=True))
        return np.stack([self._vectors[t] for t in texts])

    async def open_group(self, group_id: str) -> ReviewGroup:
        for group in await self._groups(await self._review.items([OPEN])):
            if group.id == group_id:
                return group
        raise NotFound(f"no open group {group_id!r} in the inbox (already handled, or it changed: reload the inbox)")

    # --- what a trainer does with a group ---------------------------------------------------------

    async def label(
        self, group_id: str, kind: Literal["intent", "new_intent"], intent: str, texts: list[str] | None, by: str
    ) -> dict[str, Any]:
        """Write the group's phrasings (or the chosen ones) as examples of `intent`; a phrasing the
        data already has under that intent counts as learned, one under another intent is reported."""
        group = await self.open_group(group_id)
        chosen = self._chosen(group, texts)
        project = BotProject(self._project_dir)
        written: list[dict[str, Any]] = []
        skipped: list[dict[str, str]] = []
        learned: set[str] = set()
        for text in chosen:
            try:
                example = await asyncio.to_thread(add_example, project, intent, text, None, new_intent=kind == "new_intent")
            except DuplicateExample as exc:
                same = exc.intent == intent.strip()
                skipped.append({"text": text, "reason": str(exc), "code": "already_learned" if same else "other_intent"})
                if same:
                    learned.add(normalise_text(text))
                continue
            except (UnknownIntent, InvalidIntentName) as exc:
                raise refused(exc) from exc
            except NluFileError as exc:
                skipped.append({"text": text, "reason": str(exc), "code": "invalid_example"})
                continue
            written.append({"text": example.text, "file": self._relative(example.path), "line": example.line})
            learned.add(normalise_text(text))
        ids = [i.id for i in group.items if normalise_text(i.text) in learned]
        labelled = await self._review.resolve(ids, LABELLED, kind, intent.strip(), by)
        return {"written": written, "skipped": skipped, "labelled": labelled}

    async def knowledge(
        self, group_id: str, category: str, questions: dict[str, list[str]], answer: dict[str, str], by: str
    ) -> dict[str, Any]:
        """A new knowledge entry answering what the group asked."""
        from kb_index.authoring import add_entry

        group = await self.open_group(group_id)
        knowledge_dir = self._project_dir / "knowledge"
        try:
            entry = await asyncio.to_thread(
                add_entry, knowledge_dir, entry_id=None, category=category, questions=questions, answer=answer
            )
        except KnowledgeError as exc:
            raise refused(exc) from exc
        await self._review.resolve([i.id for i in group.items], LABELLED, "knowledge", entry.id, by)
        return {"entry_id": entry.id, "file": self._relative(Path(entry.source.rpartition(":")[0] or entry.source))}

    async def dismiss(self, group_id: str, by: str) -> dict[str, Any]:
        group = await self.open_group(group_id)
        return {"dismissed": await self._review.resolve([i.id for i in group.items], DISMISSED, "dismissed", None, by)}

    @staticmethod
    def _chosen(group: ReviewGroup, texts: list[str] | None) -> list[str]:
        """The phrasings to write: all of the group's, or the subset asked for (which must be its own)."""
        own = group.distinct_texts()
        if texts is None:
            return own
        if not texts:
            raise BadRequest("choose at least one of the group's messages")
        by_key = {normalise_text(t): t for t in own}
        unknown = [t for t in texts if normalise_text(t) not in by_key]
        if unknown:
            raise BadRequest(f"not in this group: {', '.join(repr(t) for t in unknown[:3])}")
        return list(dict.fromkeys(by_key[normalise_text(t)] for t in texts))

    def _relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self._project_dir.resolve()).as_posix()
        except ValueError:
            return str(path)
