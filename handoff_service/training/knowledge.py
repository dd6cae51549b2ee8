"""The knowledge page's catalogue: every entry of `knowledge/` as the files say now, edits written
back to the files (kb_index.editing), a history of who changed what with undo of the last change,
and "try it": what the bot would answer a question, with the index as it is and with an unsaved
edit applied in memory.

The files stay the one source of truth: the page reads them on every request, so a hand edit shows
at once, and an entry's version (a digest of its data in the file) refuses an edit made on top of a
change the editor has not seen. After each write the index is brought in line here and saved, and
every other process (the action server, the other replicas) reopens it within a second
(kb_index.live), as after a retrain.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff_service.core.errors import Conflict, KefuError, NotFound
from handoff_service.core.models import KnowledgeChange, iso_utc
from kb_index.editing import (
    MESSAGES,
    EntryInvalid,
    EntryRecord,
    VersionConflict,
    draft_entry,
    entry_version,
    form_to_raw,
    put_entry,
    read_records,
)
from kb_index.encoder import Encoder
from kb_index.errors import EntryNotFound, KnowledgeError, KnowledgeFileError
from kb_index.index import FaissIndex
from kb_index.knowledge import KnowledgeEntry
from kb_index.live import LiveSearcher
from kb_index.search import KnowledgeSearcher, SearchResult, sync_index
from kb_index.settings import KbSettings

log = logging.getLogger(__name__)
VALIDITY = ("active", "scheduled", "expired", "archived")


class EntryRefused(KefuError):
    """The form has problems: `fields` names each field with a code the page words in zh or en."""

    status_code = 400  # as every rule a schema cannot say (core/errors.py); `fields` names each problem
    code = "invalid_entry"
    description = "the entry has problems: `fields` maps each field to a code and an English message"

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {MESSAGES.get(v, v)}" for k, v in fields.items()))
        self.fields = fields

    def body(self) -> dict[str, Any]:
        return {**super().body(), "fields": {k: {"code": v, "message": MESSAGES.get(v, v)} for k, v in self.fields.items()}}


class EditConflict(Conflict):
    code = "edit_conflict"

    def __init__(self, exc: VersionConflict) -> None:
        super().__init__(str(exc))
        self.current = exc.current

    def body(self) -> dict[str, Any]:
        return {**super().body(), "current": record_public(self.current) if self.current else None}


class KnowledgeUnreadable(KefuError):
    status_code = 503
    code = "knowledge_unreadable"
    description = "the knowledge files do not load (a hand edit broke them): the message says where"


def validity(entry: KnowledgeEntry, today: dt.date) -> str:
    if entry.archived:
        return "archived"
    if entry.valid_from and today < entry.valid_from:
        return "scheduled"
    if entry.valid_until and today > entry.valid_until:
        return "expired"
    return "active"


def record_public(record: EntryRecord, today: dt.date | None = None) -> dict[str, Any]:
    raw = record.raw
    return {
        "id": record.entry.id,
        "version": record.version,
        "file": record.path.name,
        "line": record.line,
        "validity": validity(record.entry, today or dt.date.today()),
        "category": raw.get("category"),
        "questions": {lang: list(raw.get("questions", {}).get(lang, [])) for lang in ("zh", "en")},
        "answer": {lang: raw.get("answer", {}).get(lang, "") for lang in ("zh", "en")},
        "tags": list(raw.get("tags") or []),
        "valid_from": raw.get("valid_from"),
        "valid_until": raw.get("valid_until"),
        "variables": list(raw.get("variables") or []),
        "related": list(raw.get("related") or []),
        "archived": bool(raw.get("archived")),
        "image": raw.get("image"),
    }


def change_public(change: KnowledgeChange) -> dict[str, Any]:
    return {
        "id": change.id, "entry_id": change.entry_id, "action": change.action, "by": change.by,
        "at": iso_utc(change.created_at), "undone": change.undone, "before": change.before, "after": change.after,
    }  # fmt: skip


def result_public(result: SearchResult, threshold: float, lang: str) -> dict[str, Any]:
    return {
        "decision": result.decision,
        "threshold": threshold,
        "hits": [
            {"id": h.entry.id, "score": round(h.score, 4), "category": h.entry.category, "answer": h.entry.answer_in(lang),
             "image": h.entry.image}
            for h in result.hits
        ],
    }


class KnowledgeCatalogue:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], kb: KbSettings, encoder: Callable[[], Encoder]
    ) -> None:
        """`encoder` gives the shared encoder; it is called on the first search (no model loads at start)."""
        self._sessions = sessions
        self._kb = kb
        self._load_encoder = encoder
        self.live = LiveSearcher(
            kb.knowledge_dir, kb.index_dir, encoder, kb.threshold, hybrid_weight=kb.hybrid_weight, check_seconds=0
        )

    # --- reading ----------------------------------------------------------------------------------

    async def records(self) -> dict[str, EntryRecord]:
        try:
            return await asyncio.to_thread(read_records, self._kb.knowledge_dir)
        except KnowledgeError as exc:
            raise KnowledgeUnreadable(str(exc)) from exc

    async def list(self, query: str = "", category: str = "", state: str = "") -> dict[str, Any]:
        """Entries matching `query` in any phrasing, answer, id or tag (either language)."""
        records = await self.records()
        today = dt.date.today()
        needle = query.strip().casefold()
        rows = []
        for record in records.values():
            public = record_public(record, today)
            if category and public["category"] != category:
                continue
            if state and public["validity"] != state:
                continue
            if not state and public["archived"]:
                continue  # archived entries show only when asked for
            if needle:
                haystack = [public["id"], *public["tags"], *public["answer"].values()]
                haystack += [q for texts in public["questions"].values() for q in texts]
                if not any(needle in str(text).casefold() for text in haystack):
                    continue
            rows.append(public)
        rows.sort(key=lambda r: (r["category"], r["id"]))
        categories = sorted({r.raw.get("category", "") for r in records.values()})
        return {"entries": rows, "categories": categories, "total": len(records)}

    async def get(self, entry_id: str) -> dict[str, Any]:
        record = (await self.records()).get(entry_id)
        if record is None:
            raise NotFound(f"no knowledge entry {entry_id!r}")
        return {**record_public(record), "history": await self.history(entry_id)}

    async def history(self, entry_id: str, limit: int = 50) -> list[dict[str, Any]]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(KnowledgeChange)
                .where(KnowledgeChange.entry_id == entry_id)
                .order_by(KnowledgeChange.id.desc())
                .limit(limit)
            )
            return [change_public(c) for c in rows]

    # --- writing ----------------------------------------------------------------------------------

    async def create(self, form: dict[str, Any], by: str, action: str = "create") -> dict[str, Any]:
        records = await self.records()
        raw = self._raw(form, records, None)
        return await self._put(raw["id"], raw, None, by, action)

    async def update(self, entry_id: str, form: dict[str, Any], version: str, by: str, action: str = "edit") -> dict[str, Any]:
        records = await self.records()
        if entry_id not in records:
            raise NotFound(f"no knowledge entry {entry_id!r}")
        if "image" not in form:  # a client that does not know pictures keeps the entry's
            form = {**form, "image": records[entry_id].raw.get("image")}
        raw = self._raw(form, records, entry_id)
        return await self._put(entry_id, raw, version, by, action)

    async def set_archived(self, entry_id: str, archived: bool, version: str, by: str) -> dict[str, Any]:
        record = (await self.records()).get(entry_id)
        if record is None:
            raise NotFound(f"no knowledge entry {entry_id!r}")
        raw = {k: v for k, v in record.raw.items() if k != "archived"}
        if archived:
            raw["archived"] = True
        return await self._put(entry_id, raw, version, by, "archive" if archived else "restore")

    async def set_image(self, entry_id: str, image: str | None, version: str, by: str) -> dict[str, Any]:
        """Only the entry's `image:` line changes (an upload or its removal), through the same
        versioned write as an edit: history, undo and conflicts as for any change."""
        record = (await self.records()).get(entry_id)
        if record is None:
            raise NotFound(f"no knowledge entry {entry_id!r}")
        raw = {k: v for k, v in record.raw.items() if k != "image"}
        if image:
            raw["image"] = image
        return await self._put(entry_id, raw, version, by, "image" if image else "image_removed")

    async def undo(self, entry_id: str, by: str) -> dict[str, Any]:
        """Put back what the entry was before its last change made here (a creation is removed)."""
        async with self._sessions() as session:
            last = await session.scalar(
                select(KnowledgeChange)
                .where(KnowledgeChange.entry_id == entry_id, KnowledgeChange.undone.is_(False), KnowledgeChange.action != "undo")
                .order_by(KnowledgeChange.id.desc())
                .limit(1)
            )
            if last is None:
                raise Conflict(f"entry {entry_id!r} has no change made here to undo")
            last_id, before, expected = last.id, last.before, last.version_after
        result = await self._put(entry_id, before, expected, by, "undo")
        async with self._sessions() as session:
            change = await session.get(KnowledgeChange, last_id)
            if change is not None:
                change.undone = True
                await session.commit()
        return result

    def _raw(self, form: dict[str, Any], records: dict[str, EntryRecord], editing: str | None) -> dict[str, Any]:
        try:
            return form_to_raw(form, records, editing)
        except EntryInvalid as exc:
            raise EntryRefused(exc.fields) from exc

    async def _put(
        self, entry_id: str, raw: dict[str, Any] | None, version: str | None, by: str, action: str
    ) -> dict[str, Any]:
        try:
            before, after = await asyncio.to_thread(put_entry, self._kb.knowledge_dir, entry_id, raw, version)
        except VersionConflict as exc:
            raise EditConflict(exc) from exc
        except EntryNotFound as exc:
            raise NotFound(str(exc)) from exc
        except KnowledgeFileError as exc:
            raise KnowledgeUnreadable("; ".join(exc.problems)) from exc
        await self.remember(entry_id, action, by, before.raw if before else None, raw)
        indexed = await self.reindex()
        return {"entry": record_public(after) if after else None, "removed": after is None, "indexed": indexed}

    @property
    def knowledge_dir(self) -> Path:
        return self._kb.knowledge_dir

    async def remember(self, entry_id: str, action: str, by: str, before: dict | None, after: dict | None) -> None:
        """The history row of one write: what the entry was and became, so it can be undone."""
        async with self._sessions() as session:
            session.add(
                KnowledgeChange(
                    entry_id=entry_id, action=action, by=by, before=before, after=after, version_after=entry_version(after),
                )  # fmt: skip
            )
            await session.commit()
        log.info("knowledge.entry.changed", extra={"entry": entry_id, "action": action, "by": by})

    async def reindex(self) -> bool:
        """Bring the saved index in line with the files now (re-encoding only changed phrasings):
        every other process picks it up within a second. False if the index could not be updated."""
        try:
            await asyncio.to_thread(self.live.current)
        except KnowledgeError as exc:
            log.warning("knowledge.index.failed", extra={"error": str(exc)})
            return False
        return True

    async def similarity(self, first: str, second: str) -> float:
        """Cosine of two texts with the knowledge base's encoder (its vectors are unit length)."""
        searcher = await asyncio.to_thread(self.live.current)
        vectors = await asyncio.to_thread(searcher.encoder.encode, [first, second])
        return float(vectors[0] @ vectors[1])

    # --- try it -----------------------------------------------------------------------------------

    async def try_question(
        self, text: str, lang: str, draft: dict[str, Any] | None = None, editing: str | None = None
    ) -> dict[str, Any]:
        """What the bot would answer `text` now, and (with `draft`) with the draft saved instead."""
        try:
            searcher = await asyncio.to_thread(self.live.current)
            now = await asyncio.to_thread(searcher.search, text, 5)
        except KnowledgeError as exc:
            raise KnowledgeUnreadable(str(exc)) from exc
        answer: dict[str, Any] = {"now": result_public(now, searcher.threshold, lang)}
        if draft is not None:
            records = await self.records()
            if editing is not None and editing not in records:
                raise NotFound(f"no knowledge entry {editing!r}")
            entry = draft_entry(self._raw(draft, records, editing))
            with_draft = await asyncio.to_thread(self._search_with, searcher, entry, text)
            answer["draft"] = result_public(with_draft, searcher.threshold, lang)
        return answer

    def _search_with(self, searcher: KnowledgeSearcher, draft: KnowledgeEntry, text: str) -> SearchResult:
        """Search a copy of the index with `draft` in place of its entry (nothing saved)."""
        entries = [e for e in searcher.entries.values() if e.id != draft.id] + [draft]
        encoder = searcher.encoder
        index = FaissIndex.load(self._kb.index_dir, encoder.name, encoder.dimension)
        if index is None:
            return KnowledgeSearcher.build(entries, encoder, searcher.threshold, searcher.hybrid_weight).search(text, 5)
        sync_index(index, entries, encoder)
        return KnowledgeSearcher(entries, encoder, index, searcher.threshold, searcher.hybrid_weight).search(text, 5)
