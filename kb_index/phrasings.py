"""Using all of an entry's phrasings, not only the nearest one (issue #18).

An entry is ranked by `(1 - w) · best phrasing's cosine + w · cosine to the centroid of its
phrasings`: with several phrasings a store has written a small labelled set, and the centroid
is what they agree on, so one stray phrasing of a wrong entry no longer wins on its own. The
weight `w` is chosen per store when the searcher opens, by leave-one-phrasing-out
cross-validation on the store's own phrasings (never on test queries): each held-out phrasing
is a question whose right entry is known. Of the weights within one standard error of the best
top-1 the smallest is taken (the nearest to plain best-phrasing search), so noise on a small
knowledge base does not move it. With one phrasing per entry the centroid is that phrasing and
`w` changes nothing; with too few phrasings to cross-validate `w` is 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from kb_index.index import FaissIndex

WEIGHTS = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0)
MIN_HELD_OUT = 20  # fewer held-out phrasings than this: too little to choose on
MAX_HELD_OUT = 1500  # a seeded sample of phrasings is held out on bigger bases (time at open)
MAX_ROWS = 100_000  # past this many phrasings the centroids are not kept (memory, time at open)
_CHUNK = 256


@dataclass(frozen=True)
class EntryCentroids:
    """Each entry's phrasing vectors summed and normalised, and the phrasings themselves (for
    cross-validation): rows sorted by entry."""

    keys: list[str]
    centroids: np.ndarray  # (entries, dimension), unit rows
    sums: np.ndarray  # (entries, dimension)
    vectors: np.ndarray  # (phrasings, dimension), grouped by entry
    owner: np.ndarray  # (phrasings,) index into keys
    position: dict[str, int] = field(default_factory=dict)
    bounds: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))  # entry i's rows: bounds[i]:bounds[i+1]

    @classmethod
    def of(cls, index: FaissIndex) -> EntryCentroids:
        keys, vectors, owner = index.vectors_by_key() if index.rows <= MAX_ROWS else ([], None, None)
        if vectors is None or not keys:
            empty = np.zeros((0, index.dimension), dtype=np.float32)
            return cls([], empty, empty, empty, np.zeros(0, dtype=np.int64), {})
        sums = np.zeros((len(keys), vectors.shape[1]), dtype=np.float32)
        np.add.at(sums, owner, vectors)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        centroids = np.ascontiguousarray(sums / np.maximum(norms, 1e-9), dtype=np.float32)
        bounds = np.r_[0, np.cumsum(np.bincount(owner, minlength=len(keys)))].astype(np.int64)
        return cls(keys, centroids, sums, vectors, owner, {k: i for i, k in enumerate(keys)}, bounds)

    def similarities(self, vector: np.ndarray) -> dict[str, float]:
        """Cosine of `vector` to every entry's centroid (an empty dict without centroids)."""
        if not self.keys:
            return {}
        return dict(zip(self.keys, (self.centroids @ vector).tolist(), strict=True))

    def nearest(self, vector: np.ndarray, k: int) -> dict[str, tuple[float, float]]:
        """The `k` entries whose centroids are nearest to `vector`: key → (centroid cosine, best
        phrasing's cosine). They join the candidates that the phrasing index found."""
        if not self.keys:
            return {}
        near = self.centroids @ vector
        top = np.argpartition(-near, min(k, len(near) - 1))[:k] if len(near) > k else np.arange(len(near))
        found = {}
        for i in top.tolist():
            begin, end = int(self.bounds[i]), int(self.bounds[i + 1])
            found[self.keys[i]] = (float(near[i]), float(np.max(self.vectors[begin:end] @ vector)))
        return found

    def similarity(self, vector: np.ndarray, keys: list[str]) -> dict[str, float]:
        """Cosine of `vector` to the centroids of `keys` (those the searcher is ranking)."""
        rows = [self.position[k] for k in keys if k in self.position]
        if not rows:
            return {}
        scores = self.centroids[rows] @ vector
        return {self.keys[r]: float(s) for r, s in zip(rows, scores, strict=True)}


@dataclass(frozen=True)
class WeightChoice:
    """The centroid weight chosen, and the cross-validated top-1 of every weight tried."""

    weight: float
    held_out: int
    top1: dict[float, float]

    def describe(self) -> str:
        if not self.held_out:
            return "centroid weight 0 (too few phrasings per entry to cross-validate)"
        tried = ", ".join(f"{w:g}: {t:.3f}" for w, t in self.top1.items())
        return f"centroid weight {self.weight:g} by leave-one-phrasing-out on {self.held_out} phrasings (top-1 {tried})"


def held_out_scores(centroids: EntryCentroids, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each held-out phrasing (row), every entry's best-phrasing cosine and centroid cosine
    as if that phrasing had never been written."""
    c = centroids
    n_keys = len(c.keys)
    best = np.empty((len(rows), n_keys), dtype=np.float32)
    near = np.empty((len(rows), n_keys), dtype=np.float32)
    starts = np.flatnonzero(np.r_[True, c.owner[1:] != c.owner[:-1]])
    for begin in range(0, len(rows), _CHUNK):
        chunk = rows[begin : begin + _CHUNK]
        sims = c.vectors[chunk] @ c.vectors.T
        sims[np.arange(len(chunk)), chunk] = -np.inf
        best[begin : begin + len(chunk)] = np.maximum.reduceat(sims, starts, axis=1)
        cent = c.vectors[chunk] @ c.centroids.T
        own = c.owner[chunk]
        rest = c.sums[own] - c.vectors[chunk]
        rest /= np.maximum(np.linalg.norm(rest, axis=1, keepdims=True), 1e-9)
        cent[np.arange(len(chunk)), own] = np.einsum("ij,ij->i", c.vectors[chunk], rest)
        near[begin : begin + len(chunk)] = cent
    return best, near


def choose_centroid_weight(centroids: EntryCentroids, seed: int = 0) -> WeightChoice:
    """The centroid weight by leave-one-phrasing-out cross-validation (one-standard-error rule)."""
    c = centroids
    if not c.keys:
        return WeightChoice(0.0, 0, {})
    counts = np.bincount(c.owner, minlength=len(c.keys))
    rows = np.flatnonzero(counts[c.owner] > 1)
    if len(rows) < MIN_HELD_OUT:
        return WeightChoice(0.0, 0, {})
    if len(rows) > MAX_HELD_OUT:
        rows = np.sort(np.random.default_rng(seed).choice(rows, MAX_HELD_OUT, replace=False))
    best, near = held_out_scores(c, rows)
    gold = c.owner[rows]
    top1 = {w: float(np.mean(np.argmax((1 - w) * best + w * near, axis=1) == gold)) for w in WEIGHTS}
    top = max(top1.values())
    floor = top - math.sqrt(top * (1 - top) / len(rows))
    weight = min(w for w, t in top1.items() if t >= floor)
    return WeightChoice(weight, len(rows), {w: round(t, 4) for w, t in top1.items()})
