"""Scores of an NLU evaluation: accuracy, macro-F1, per-intent F1, confusions, out-of-scope recall.

Kept apart from running Rasa so the arithmetic is tested on its own. The one rule that is
not textbook: an example labelled `out_of_scope` is right when the pipeline says
`out_of_scope` or `nlu_fallback`, because both end in the bot's "not understood" answer.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

OUT_OF_SCOPE = "out_of_scope"
FALLBACK = "nlu_fallback"


@dataclass(frozen=True)
class Prediction:
    text: str
    gold: str
    predicted: str | None
    confidence: float | None = None


@dataclass(frozen=True)
class IntentScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Report:
    n: int
    accuracy: float
    macro_f1: float
    in_scope_accuracy: float | None
    oos_recall: float | None
    per_intent: dict[str, IntentScore]
    confused: list[tuple[str, str, int]]
    errors: list[Prediction] = field(default_factory=list)
    # 95 % bootstrap intervals of the headline figures (issue #18): key → [low, high].
    ci: dict[str, list[float]] = field(default_factory=dict)
    # Each gold intent, weakest first, with its recall's interval (issue #18, `--per-intent`).
    weakest: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The `--json` document: the four headline keys first, then the details."""
        return {
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "in_scope_accuracy": None if self.in_scope_accuracy is None else round(self.in_scope_accuracy, 4),
            "oos_recall": None if self.oos_recall is None else round(self.oos_recall, 4),
            "n": self.n,
            "per_intent": {
                intent: {"precision": round(s.precision, 4), "recall": round(s.recall, 4), "f1": round(s.f1, 4), "support": s.support}
                for intent, s in sorted(self.per_intent.items())
            },
            "confused": [{"gold": g, "predicted": p, "count": c} for g, p, c in self.confused],
            "ci": self.ci,
        }


def effective(prediction: Prediction) -> str:
    """The label a prediction counts as: fallback on an out-of-scope example is out of scope."""
    predicted = prediction.predicted or FALLBACK
    if prediction.gold == OUT_OF_SCOPE and predicted == FALLBACK:
        return OUT_OF_SCOPE
    return predicted


def score(predictions: list[Prediction], top_confusions: int = 10) -> Report:
    """Score `predictions`; raises ValueError when there are none (nothing to report on)."""
    if not predictions:
        raise ValueError("no predictions to score")
    labels = [(p.gold, effective(p)) for p in predictions]
    correct = [g == e for g, e in labels]
    in_scope = [ok for (g, _), ok in zip(labels, correct, strict=True) if g != OUT_OF_SCOPE]
    oos = [ok for (g, _), ok in zip(labels, correct, strict=True) if g == OUT_OF_SCOPE]

    gold_counts = Counter(g for g, _ in labels)
    predicted_counts = Counter(e for _, e in labels)
    hits = Counter(g for g, e in labels if g == e)
    per_intent: dict[str, IntentScore] = {}
    for intent, support in gold_counts.items():
        precision = hits[intent] / predicted_counts[intent] if predicted_counts[intent] else 0.0
        recall = hits[intent] / support
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_intent[intent] = IntentScore(precision, recall, f1, support)
    confusions = Counter((g, e) for g, e in labels if g != e)
    ci = bootstrap(labels)
    weakest = []
    for intent, s in per_intent.items():
        hits_of = np.asarray([e == intent for g, e in labels if g == intent], dtype=np.float64)
        low_high = _interval(hits_of[_resamples(len(hits_of), 400)].mean(axis=1)) if len(hits_of) else None
        mistaken = Counter(e for g, e in labels if g == intent and e != intent).most_common(1)
        weakest.append({
            "intent": intent, "f1": round(s.f1, 4), "precision": round(s.precision, 4), "recall": round(s.recall, 4),
            "recall_ci": low_high, "support": s.support, "mistaken_for": mistaken[0][0] if mistaken else None,
        })  # fmt: skip
    weakest.sort(key=lambda row: (row["f1"], row["recall"], row["intent"]))
    return Report(
        n=len(predictions),
        accuracy=sum(correct) / len(correct),
        macro_f1=sum(s.f1 for s in per_intent.values()) / len(per_intent),
        in_scope_accuracy=sum(in_scope) / len(in_scope) if in_scope else None,
        oos_recall=sum(oos) / len(oos) if oos else None,
        per_intent=per_intent,
        confused=[(g, p, c) for (g, p), c in confusions.most_common(top_confusions)],
        errors=[p for p, ok in zip(predictions, correct, strict=True) if not ok],
        ci=ci,
        weakest=weakest,
    )


BOOTSTRAP_SAMPLES = 1000


def _resamples(n: int, samples: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(samples, n))


def _interval(values: np.ndarray) -> list[float] | None:
    values = values[np.isfinite(values)]
    if not len(values):
        return None
    return [round(float(np.percentile(values, 2.5)), 4), round(float(np.percentile(values, 97.5)), 4)]


def bootstrap(labels: list[tuple[str, str]], samples: int = BOOTSTRAP_SAMPLES) -> dict[str, list[float]]:
    """95 % percentile-bootstrap intervals of accuracy, macro-F1, in-scope accuracy and
    out-of-scope recall: the test examples resampled with replacement `samples` times."""
    names = sorted({g for g, _ in labels} | {e for _, e in labels})
    index = {name: i for i, name in enumerate(names)}
    gold = np.asarray([index[g] for g, _ in labels])
    said = np.asarray([index[e] for _, e in labels])
    right = (gold == said).astype(np.float64)
    oos = np.asarray([g == OUT_OF_SCOPE for g, _ in labels], dtype=np.float64)
    intervals: dict[str, list[float]] = {}
    size = len(names)
    gold_intents = np.unique(gold)
    f1s, accuracy, in_scope, oos_recall = [], [], [], []
    for start in range(0, samples, 200):
        pick = _resamples(len(labels), samples, seed=0)[start : start + 200]
        rows = np.arange(len(pick))[:, None] * size
        gold_counts = np.bincount((rows + gold[pick]).ravel(), minlength=len(pick) * size).reshape(len(pick), size)
        said_counts = np.bincount((rows + said[pick]).ravel(), minlength=len(pick) * size).reshape(len(pick), size)
        hit_counts = np.bincount((rows + gold[pick]).ravel(), weights=right[pick].ravel(), minlength=len(pick) * size)
        hit_counts = hit_counts.reshape(len(pick), size)
        with np.errstate(invalid="ignore", divide="ignore"):
            precision = np.where(said_counts > 0, hit_counts / np.maximum(said_counts, 1), 0.0)
            recall = np.where(gold_counts > 0, hit_counts / np.maximum(gold_counts, 1), np.nan)
            f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
            f1 = np.where(gold_counts > 0, f1, np.nan)[:, gold_intents]
            f1s.append(np.nanmean(f1, axis=1))
            accuracy.append(right[pick].mean(axis=1))
            in_scope.append((right[pick] * (1 - oos[pick])).sum(axis=1) / (1 - oos[pick]).sum(axis=1))
            oos_recall.append((right[pick] * oos[pick]).sum(axis=1) / oos[pick].sum(axis=1))
    for key, parts in (("accuracy", accuracy), ("macro_f1", f1s), ("in_scope_accuracy", in_scope), ("oos_recall", oos_recall)):
        low_high = _interval(np.concatenate(parts))
        if low_high is not None and (key != "oos_recall" or oos.any()) and (key != "in_scope_accuracy" or (1 - oos).any()):
            intervals[key] = low_high
    return intervals
