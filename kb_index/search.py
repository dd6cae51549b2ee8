"""Search the knowledge base and decide whether to answer or to abstain."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kb_index.encoder import Encoder
from kb_index.index import FaissIndex, Manifest
from kb_index.knowledge import KnowledgeEntry, content_hash, load_knowledge

log = logging.getLogger(__name__)

Decision = Literal["answer", "no_answer"]


@dataclass(frozen=True)
class Hit:
    entry: KnowledgeEntry
    score: float


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    decision: Decision

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None


class KnowledgeSearcher:
    """Entries, their index and the abstain threshold: everything a caller needs to search."""

    def __init__(self, entries: list[KnowledgeEntry], encoder: Encoder, index: FaissIndex, threshold: float) -> None:
        self.entries = {e.id: e for e in entries}
        self.encoder = encoder
        self.index = index
        self.threshold = threshold

    @classmethod
    def build(cls, entries: list[KnowledgeEntry], encoder: Encoder, threshold: float) -> KnowledgeSearcher:
        row_ids = [e.id for e in entries for _ in e.all_questions()]
        texts = [q for e in entries for q in e.all_questions()]
        vectors = encoder.encode(texts)
        index = FaissIndex.build(vectors, row_ids, encoder.name, content_hash(entries))
        return cls(entries, encoder, index, threshold)

    @classmethod
    def open(
        cls, knowledge_dir: Path, index_dir: Path, encoder: Encoder, threshold: float
    ) -> tuple[KnowledgeSearcher, bool]:
        """Load the saved index if it still matches the files and encoder, else rebuild and save.

        Returns the searcher and whether it was rebuilt.
        """
        entries = load_knowledge(knowledge_dir)
        expected = Manifest(
            model=encoder.name, dimension=encoder.dimension, content_hash=content_hash(entries), kind="", rows=0
        )
        index = FaissIndex.load(index_dir, expected)
        if index is not None:
            return cls(entries, encoder, index, threshold), False
        log.info("kb.index.rebuild", extra={"index_dir": str(index_dir)})
        searcher = cls.build(entries, encoder, threshold)
        searcher.index.save(index_dir)
        return searcher, True

    def search(self, text: str, k: int = 5, today: dt.date | None = None) -> SearchResult:
        """Best `k` entries for `text`; `answer` only when the best one clears the threshold."""
        text = text.strip()
        if not text:
            return SearchResult([], "no_answer")
        day = today or dt.date.today()
        vector = self.encoder.encode([text])[0]
        # Rows of entries out of their dates are skipped below, so fetch that many more.
        skipped = sum(len(e.all_questions()) for e in self.entries.values() if not e.is_valid_on(day))
        best: dict[str, float] = {}
        for entry_id, score in self.index.search(vector, k * 4 + skipped):
            if entry_id not in best or score > best[entry_id]:
                best[entry_id] = score
        hits = [
            Hit(self.entries[eid], score)
            for eid, score in sorted(best.items(), key=lambda item: -item[1])
            if eid in self.entries and self.entries[eid].is_valid_on(day)
        ][:k]
        decision: Decision = "answer" if hits and hits[0].score >= self.threshold else "no_answer"
        return SearchResult(hits, decision)
