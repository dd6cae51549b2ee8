"""Scores of an NLU evaluation: accuracy, macro-F1, per-intent F1, confusions, out-of-scope recall.

Kept apart from running Rasa so the arithmetic is tested on its own. The one rule that is
not textbook: an example labelled `out_of_scope` is right when the pipeline says
`out_of_scope` or `nlu_fallback`, because both end in the bot's "not understood" answer.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

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
    return Report(
        n=len(predictions),
        accuracy=sum(correct) / len(correct),
        macro_f1=sum(s.f1 for s in per_intent.values()) / len(per_intent),
        in_scope_accuracy=sum(in_scope) / len(in_scope) if in_scope else None,
        oos_recall=sum(oos) / len(oos) if oos else None,
        per_intent=per_intent,
        confused=[(g, p, c) for (g, p), c in confusions.most_common(top_confusions)],
        errors=[p for p, ok in zip(predictions, correct, strict=True) if not ok],
    )
