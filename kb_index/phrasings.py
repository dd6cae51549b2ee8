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

On top, a light classifier learns the store's entries from their phrasings (multinomial logistic
regression over the sentence vectors, fitted when the searcher opens): its probability for an
entry, times a weight `v`, joins the ranking score. `v` too is chosen by cross-validation on the
phrasings (3 folds, the classifier refitted without the held-out fold; one-standard-error rule,
the smallest `v` that is as good).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from functools import cached_property

import faiss
import numpy as np

from kb_index.index import FaissIndex

WEIGHTS = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0)
CLASSIFIER_WEIGHTS = (0.0, 0.25, 0.5, 1.0)
CLASSIFIER_C = 10.0  # little regularisation: a store's phrasings are few and all of them matter
# Past this many phrasings or entries no classifier is fitted: its fit grows with both (time at open).
CLASSIFIER_MAX_ROWS = 5_000
CLASSIFIER_MAX_ENTRIES = 500
FOLDS = 3
MIN_HELD_OUT = 20  # fewer held-out phrasings than this: too little to choose on
MAX_HELD_OUT = 1500  # a seeded sample of phrasings is held out on bigger bases (time at open)
MAX_ROWS = 100_000  # past this many phrasings the centroids are not kept (memory, time at open)
_CHUNK = 256


def _dot(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """`matrix @ vector` in one thread (einsum without BLAS): per query, on a machine other work shares."""
    return np.einsum("ij,j->i", matrix, vector)


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

    @cached_property
    def flat(self) -> faiss.Index:
        """The centroids in an exact inner-product index: FAISS on its one thread, where a BLAS
        product would wake every BLAS thread on a busy machine (37 ms instead of 0.3 under load)."""
        index = faiss.IndexFlatIP(self.centroids.shape[1])
        if len(self.keys):
            index.add(self.centroids)
        return index

    def similarities(self, vector: np.ndarray) -> dict[str, float]:
        """Cosine of `vector` to every entry's centroid (an empty dict without centroids)."""
        if not self.keys:
            return {}
        return dict(zip(self.keys, _dot(self.centroids, vector).tolist(), strict=True))

    def nearest(self, vector: np.ndarray, k: int) -> dict[str, tuple[float, float]]:
        """The `k` entries whose centroids are nearest to `vector`: key → (centroid cosine, best
        phrasing's cosine). They join the candidates that the phrasing index found."""
        if not self.keys:
            return {}
        scores, rows = self.flat.search(np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32), min(k, len(self.keys)))
        found = {}
        for score, i in zip(scores[0].tolist(), rows[0].tolist(), strict=True):
            if i < 0:
                continue
            begin, end = int(self.bounds[i]), int(self.bounds[i + 1])
            found[self.keys[i]] = (float(score), float(np.max(_dot(self.vectors[begin:end], vector))))
        return found

    def similarity(self, vector: np.ndarray, keys: list[str]) -> dict[str, float]:
        """Cosine of `vector` to the centroids of `keys` (those the searcher is ranking)."""
        rows = [self.position[k] for k in keys if k in self.position]
        if not rows:
            return {}
        scores = _dot(self.centroids[rows], vector)
        return {self.keys[r]: float(s) for r, s in zip(rows, scores, strict=True)}


@dataclass(frozen=True)
class WeightChoice:
    """The centroid weight chosen, and the cross-validated top-1 of every weight tried; then the
    classifier's weight likewise (0 when none is fitted)."""

    weight: float
    held_out: int
    top1: dict[float, float]
    classifier_weight: float = 0.0
    classifier_top1: dict[float, float] = field(default_factory=dict)

    def describe(self) -> str:
        if not self.held_out:
            return "centroid weight 0 (too few phrasings per entry to cross-validate)"
        tried = ", ".join(f"{w:g}: {t:.3f}" for w, t in self.top1.items())
        text = f"centroid weight {self.weight:g} by leave-one-phrasing-out on {self.held_out} phrasings (top-1 {tried})"
        if self.classifier_top1:
            tried = ", ".join(f"{w:g}: {t:.3f}" for w, t in self.classifier_top1.items())
            text += f"; classifier weight {self.classifier_weight:g} by {FOLDS}-fold cross-validation (top-1 {tried})"
        return text


class EntryClassifier:
    """Multinomial logistic regression from a phrasing's vector to its entry."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray) -> None:
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)  # (entries, dimension)
        self.bias = bias.astype(np.float32)

    @classmethod
    def fit(cls, vectors: np.ndarray, owner: np.ndarray, entries: int) -> EntryClassifier:
        from sklearn.linear_model import LogisticRegression

        present = np.unique(owner)
        model = LogisticRegression(C=CLASSIFIER_C, max_iter=300).fit(vectors, owner)
        weights = np.zeros((entries, vectors.shape[1]), dtype=np.float32)
        bias = np.full(entries, -1e4, dtype=np.float32)  # an entry without training phrasings: never
        if len(present) == 2:  # sklearn's binary case: one row of weights
            weights[present[1]], bias[present[1]] = model.coef_[0], model.intercept_[0]
            weights[present[0]], bias[present[0]] = 0.0, 0.0
        else:
            weights[present], bias[present] = model.coef_, model.intercept_
        return cls(weights, bias)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """(queries, entries) probabilities; one vector may be given as a 1-d array."""
        vectors = np.atleast_2d(vectors)
        logits = (_dot(self.weights, vectors[0])[None, :] if len(vectors) == 1 else vectors @ self.weights.T) + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)


def choose_classifier_weight(
    centroids: EntryCentroids, weight: float, seed: int = 0
) -> tuple[float, dict[float, float], EntryClassifier | None]:
    """The classifier's weight by `FOLDS`-fold cross-validation over the phrasings of entries
    with several (entries with one phrasing always train), and the classifier fitted on all."""
    c = centroids
    counts = np.bincount(c.owner, minlength=len(c.keys))
    candidates = np.flatnonzero(counts[c.owner] > 1)
    too_big = len(c.owner) > CLASSIFIER_MAX_ROWS or len(c.keys) > CLASSIFIER_MAX_ENTRIES
    if len(c.keys) < 2 or len(candidates) < MIN_HELD_OUT or too_big:
        return 0.0, {}, None
    rng = np.random.default_rng(seed)
    fold_of = np.full(len(c.owner), -1)
    fold_of[candidates] = rng.permutation(len(candidates)) % FOLDS
    right = {v: 0 for v in CLASSIFIER_WEIGHTS}
    total = 0
    for fold in range(FOLDS):
        test = np.flatnonzero(fold_of == fold)
        train = np.flatnonzero(fold_of != fold)
        if len(np.unique(c.owner[train])) < 2 or not len(test):
            continue
        model = EntryClassifier.fit(c.vectors[train], c.owner[train], len(c.keys))
        best, near = fold_scores(c, test)
        base = (1 - weight) * best + weight * near
        probabilities = model.probabilities(c.vectors[test])
        for v in CLASSIFIER_WEIGHTS:
            right[v] += int(np.sum(np.argmax(base + v * probabilities, axis=1) == c.owner[test]))
        total += len(test)
    if not total:
        return 0.0, {}, None
    top1 = {v: right[v] / total for v in CLASSIFIER_WEIGHTS}
    top = max(top1.values())
    floor = top - math.sqrt(top * (1 - top) / total)
    chosen = min(v for v, t in top1.items() if t >= floor)
    model = EntryClassifier.fit(c.vectors, c.owner, len(c.keys)) if chosen > 0 else None
    return chosen, {v: round(t, 4) for v, t in top1.items()}, model


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


def fold_scores(centroids: EntryCentroids, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Like `held_out_scores`, with the whole fold `test` unwritten (as the classifier never saw it)."""
    c = centroids
    starts = np.flatnonzero(np.r_[True, c.owner[1:] != c.owner[:-1]])
    sims = c.vectors[test] @ c.vectors.T
    sims[:, test] = -1.0
    best = np.maximum.reduceat(sims, starts, axis=1)
    sums = c.sums.copy()
    np.add.at(sums, c.owner[test], -c.vectors[test])
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    remaining = np.where(norms > 1e-6, sums / np.maximum(norms, 1e-9), 0.0).astype(np.float32)
    near = c.vectors[test] @ remaining.T
    near[:, norms[:, 0] <= 1e-6] = -1.0
    return best, near


_CHOSEN: dict[bytes, tuple[WeightChoice, EntryClassifier | None]] = {}
_CHOSEN_KEPT = 8


def choose_weights(centroids: EntryCentroids, seed: int = 0) -> tuple[WeightChoice, EntryClassifier | None]:
    """The centroid weight, then the classifier's weight given it, and the classifier (if used).

    Remembered per set of phrasings: a process opens the same index again and again (the live
    searcher on every file change, each replica's start), and the classifier's cross-validation
    costs seconds where the lookup costs milliseconds."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (centroids.vectors, centroids.owner, np.asarray([seed])):
        digest.update(np.ascontiguousarray(part).tobytes())
    key = digest.digest()
    if (known := _CHOSEN.get(key)) is not None:
        return known
    choice = choose_centroid_weight(centroids, seed)
    if choice.held_out:
        v, top1, model = choose_classifier_weight(centroids, choice.weight, seed)
        chosen = WeightChoice(choice.weight, choice.held_out, choice.top1, v, top1), model
    else:
        chosen = choice, None
    while len(_CHOSEN) >= _CHOSEN_KEPT:
        _CHOSEN.pop(next(iter(_CHOSEN)))
    _CHOSEN[key] = chosen
    return chosen


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


@dataclass(frozen=True)
class ThresholdCalibration:
    """The abstain threshold this store's own data suggests, and what to expect at it."""

    threshold: float
    held_out: int
    off_topic: int
    answered: float  # share of held-out phrasings answered at the threshold
    right: float  # of those, the share answered with the right entry
    off_topic_abstained: float

    def describe(self) -> str:
        return (
            f"calibrated abstain threshold {self.threshold:.3f}: on {self.held_out} held-out phrasings it answers "
            f"{100 * self.answered:.0f} % ({100 * self.right:.0f} % of them right); it abstains on "
            f"{100 * self.off_topic_abstained:.0f} % of {self.off_topic} off-topic messages"
        )


def calibrate_threshold(
    centroids: EntryCentroids,
    weight: float,
    off_topic_best: np.ndarray,
    wrong_cost: float = 2.0,
    seed: int = 0,
) -> ThresholdCalibration | None:
    """The threshold on the best phrasing's score that maximises the value of the decisions: each
    held-out phrasing (leave-one-out) answered right is worth 1, answered wrong costs `wrong_cost`,
    an off-topic message answered costs `wrong_cost`; both groups count equally."""
    c = centroids
    if not c.keys:
        return None
    counts = np.bincount(c.owner, minlength=len(c.keys))
    rows = np.flatnonzero(counts[c.owner] > 1)
    if len(rows) < MIN_HELD_OUT or not len(off_topic_best):
        return None
    if len(rows) > MAX_HELD_OUT:
        rows = np.sort(np.random.default_rng(seed).choice(rows, MAX_HELD_OUT, replace=False))
    best, near = held_out_scores(c, rows)
    top = np.argmax((1 - weight) * best + weight * near, axis=1)
    score = best[np.arange(len(rows)), top]
    right = top == c.owner[rows]
    candidates = np.unique(np.concatenate([score, off_topic_best]))
    value = []
    for cut in candidates:
        answered = score >= cut
        held = (right & answered).sum() - wrong_cost * (~right & answered).sum()
        off = -wrong_cost * (off_topic_best >= cut).sum()
        value.append(held / len(rows) + off / len(off_topic_best))
    cut = float(candidates[int(np.argmax(value))])
    answered = score >= cut
    return ThresholdCalibration(
        threshold=round(cut, 4),
        held_out=len(rows),
        off_topic=len(off_topic_best),
        answered=float(answered.mean()),
        right=float(right[answered].mean()) if answered.any() else 0.0,
        off_topic_abstained=float((off_topic_best < cut).mean()),
    )
