"""Search the knowledge base and decide whether to answer or to abstain."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np

from kb_index.encoder import Encoder
from kb_index.index import EXACT_LIMIT, FaissIndex
from kb_index.knowledge import KnowledgeEntry, entry_fingerprint, load_knowledge
from kb_index.lexical import LexicalIndex
from kb_index.normalise import VERSION as NORMALISATION
from kb_index.normalise import normalise
from kb_index.phrasings import (
    EntryCentroids,
    ThresholdCalibration,
    calibrate_threshold,
    choose_weights,
)

log = logging.getLogger(__name__)

Decision = Literal["answer", "no_answer"]

# Hybrid search adds `weight · bm25 / (bm25 + LEXICAL_HALF)` to an entry's cosine score: a bonus of
# at most `weight`, half of it for a BM25 score of LEXICAL_HALF. Both were tuned on the development
# split of `make bench-kb`; on the test split the bonus raised top-1 by 0.3–1.7 points on every set
# and the share of right answers among answers by 0.4–3.2 points (BENCHMARKS.md, issue #3).
DEFAULT_HYBRID_WEIGHT = 0.1
LEXICAL_HALF = 10.0
ENCODE_BATCH = 256


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


@dataclass(frozen=True)
class IndexUpdate:
    """What bringing the index in line with the knowledge files took; shown by `kefu kb build`."""

    full_rebuild: bool
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    encoded: int = 0
    kind: str = field(default="flat")

    @property
    def changed_anything(self) -> bool:
        return self.full_rebuild or bool(self.added or self.changed or self.removed)


def sync_index(
    index: FaissIndex,
    entries: list[KnowledgeEntry],
    encoder: Encoder,
    full_rebuild: bool = False,
    progress: Callable[[int, int], None] | None = None,
    normalisation: bool = True,
) -> IndexUpdate:
    """Make `index` hold exactly `entries`, encoding only entries whose phrasings changed or are new.

    `progress(done, total)` is told after each batch of encoded phrasings.
    """
    fold = normalise if normalisation else str.strip
    wanted = {e.id: f"{entry_fingerprint(e)}:{NORMALISATION if normalisation else 'raw'}" for e in entries}
    have = index.fingerprints()
    removed = tuple(sorted(k for k in have if k not in wanted))
    todo = [e for e in entries if have.get(e.id) != wanted[e.id]]
    texts = [fold(q) for e in todo for q in e.all_questions()]
    parts = []
    for start in range(0, len(texts), ENCODE_BATCH):
        parts.append(encoder.encode(texts[start : start + ENCODE_BATCH]))
        if progress:
            progress(min(start + ENCODE_BATCH, len(texts)), len(texts))
    vectors = np.concatenate(parts) if parts else np.zeros((0, encoder.dimension), dtype=np.float32)
    upserts, offset = {}, 0
    for entry in todo:
        count = len(entry.all_questions())
        upserts[entry.id] = (vectors[offset : offset + count], wanted[entry.id])
        offset += count
    if upserts or removed:
        index.update(upserts, removed)
    return IndexUpdate(
        full_rebuild=full_rebuild,
        added=tuple(e.id for e in todo if e.id not in have),
        changed=tuple(e.id for e in todo if e.id in have),
        removed=removed,
        encoded=len(texts),
        kind=index.kind,
    )


class KnowledgeSearcher:
    """Entries, their index and the abstain threshold: everything a caller needs to search."""

    def __init__(
        self,
        entries: list[KnowledgeEntry],
        encoder: Encoder,
        index: FaissIndex,
        threshold: float,
        hybrid_weight: float = DEFAULT_HYBRID_WEIGHT,
        update: IndexUpdate | None = None,
        centroid_weight: float | None = None,
        normalisation: bool = True,
    ) -> None:
        self.entries = {e.id: e for e in entries}
        self.encoder = encoder
        self.index = index
        self.threshold = threshold
        self.hybrid_weight = hybrid_weight
        self.lexical_half = LEXICAL_HALF
        self.fold = normalise if normalisation else str.strip  # what text is encoded and matched as
        self.update = update or IndexUpdate(full_rebuild=False, kind=index.kind)
        # Only dated or archived entries can be out of service; knowing them keeps search O(k).
        self._dated = [e for e in entries if e.valid_from or e.valid_until or e.archived]
        # All of an entry's phrasings vote through its centroid (issue #18); how much, chosen by
        # cross-validation on the store's own phrasings when the searcher opens.
        self.centroids = EntryCentroids.of(index)
        self.choice, self.classifier = choose_weights(self.centroids) if centroid_weight is None else (None, None)
        self.centroid_weight = self.choice.weight if self.choice else float(centroid_weight or 0.0)
        self.classifier_weight = self.choice.classifier_weight if self.choice and self.classifier else 0.0

    @cached_property
    def lexical(self) -> LexicalIndex:
        """BM25 over the same phrasings, built on first hybrid search (jieba loads its dictionary then)."""
        entries = list(self.entries.values())
        return LexicalIndex(
            [self.fold(q) for e in entries for q in e.all_questions()], [e.id for e in entries for _ in e.all_questions()]
        )

    @classmethod
    def build(
        cls,
        entries: list[KnowledgeEntry],
        encoder: Encoder,
        threshold: float,
        hybrid_weight: float = DEFAULT_HYBRID_WEIGHT,
        exact_limit: int = EXACT_LIMIT,
        progress: Callable[[int, int], None] | None = None,
        centroid_weight: float | None = None,
        normalisation: bool = True,
    ) -> KnowledgeSearcher:
        """A searcher over `entries` with a fresh in-memory index (nothing saved).

        `centroid_weight` None chooses it by cross-validation; `normalisation` False encodes and
        matches text as written (the benchmark's before/after)."""
        index = FaissIndex(encoder.name, encoder.dimension, exact_limit)
        update = sync_index(index, entries, encoder, full_rebuild=True, progress=progress, normalisation=normalisation)
        return cls(entries, encoder, index, threshold, hybrid_weight, update, centroid_weight, normalisation)

    @classmethod
    def open(
        cls,
        knowledge_dir: Path,
        index_dir: Path,
        encoder: Encoder,
        threshold: float,
        hybrid_weight: float = DEFAULT_HYBRID_WEIGHT,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[KnowledgeSearcher, bool]:
        """Load the saved index, bring it in line with the files (re-encoding only what changed), save.

        A saved index built with another model, or whose files disagree with its manifest, is
        rebuilt from scratch. Returns the searcher and whether the saved index had to change.
        """
        entries = load_knowledge(knowledge_dir)
        index = FaissIndex.load(index_dir, encoder.name, encoder.dimension)
        full = index is None
        if index is None:
            log.info("kb.index.rebuild", extra={"index_dir": str(index_dir)})
            index = FaissIndex(encoder.name, encoder.dimension)
        update = sync_index(index, entries, encoder, full_rebuild=full, progress=progress)
        if update.changed_anything:
            log.info(
                "kb.index.updated",
                extra={"added": len(update.added), "changed": len(update.changed), "removed": len(update.removed)},
            )
            index.save(index_dir)
        return cls(entries, encoder, index, threshold, hybrid_weight, update), update.changed_anything

    def calibration(self) -> ThresholdCalibration | None:
        """The abstain threshold the store's own phrasings and generic off-topic messages suggest
        (issue #18), with its expected precision; None when there is too little to learn from."""
        lines = (Path(__file__).with_name("data") / "off_topic.txt").read_text(encoding="utf-8").splitlines()
        off_topic = [t for t in (line.strip() for line in lines) if t and not t.startswith("#")]
        hits = [self.search(t).best for t in off_topic]
        best = np.asarray([hit.score if hit else -1.0 for hit in hits])
        return calibrate_threshold(self.centroids, self.centroid_weight, best)

    def search(self, text: str, k: int = 5, today: dt.date | None = None) -> SearchResult:
        """Best `k` entries for `text`; `answer` only when the best one clears the threshold."""
        text = self.fold(text) if text.strip() else ""
        if not text:
            return SearchResult([], "no_answer")
        day = today or dt.date.today()
        vector = self.encoder.encode([text])[0]
        # Rows of entries out of their dates are skipped below, so fetch that many more.
        skipped = sum(len(e.all_questions()) for e in self._dated if not e.is_valid_on(day))
        best: dict[str, float] = {}
        for entry_id, score in self.index.search(vector, k * 4 + skipped):
            if entry_id not in best or score > best[entry_id]:
                best[entry_id] = score
        rank = dict(best)
        if (self.centroid_weight > 0 or self.classifier_weight > 0) and best:
            weight = self.centroid_weight
            near = self.centroids.similarity(vector, list(best))
            for entry_id, (centroid, phrasing) in self.centroids.nearest(vector, k).items():
                if entry_id not in best:
                    best[entry_id] = phrasing
                near[entry_id] = centroid
            for entry_id, score in best.items():
                rank[entry_id] = (1 - weight) * score + weight * near.get(entry_id, score)
            if self.classifier is not None and self.classifier_weight > 0:
                probabilities = self.classifier.probabilities(vector)[0]
                for entry_id in rank:
                    rank[entry_id] += self.classifier_weight * float(probabilities[self.centroids.position[entry_id]])
        if self.hybrid_weight > 0 and best:
            lexical = self.lexical.scores(text)
            for entry_id in best:
                bm25 = lexical.get(entry_id, 0.0)
                bonus = self.hybrid_weight * bm25 / (bm25 + self.lexical_half)
                best[entry_id] += bonus
                rank[entry_id] += bonus
        # Ranked by all of an entry's phrasings; scored (answer or abstain) by its best phrasing,
        # the scale every threshold is set on.
        hits = [
            Hit(self.entries[eid], best[eid])
            for eid, _ in sorted(rank.items(), key=lambda item: -item[1])
            if eid in self.entries and self.entries[eid].is_valid_on(day)
        ][:k]
        decision: Decision = "answer" if hits and hits[0].score >= self.threshold else "no_answer"
        if decision == "no_answer":
            log.debug("kb.search.abstained", extra={"best": hits[0].score if hits else None})
        return SearchResult(hits, decision)
