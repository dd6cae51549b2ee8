"""What a retrain changed: held-out scores before → after, per intent, and the inbox messages.

Kept apart from running Rasa so the comparison is tested on hand-made predictions. A new model
is *worse* when its accuracy or macro-F1 on the held-out set dropped by more than `TOLERANCE`;
the handoff service then switches to it only when a trainer confirms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot_training.nlu_metrics import Prediction, effective, score

TOLERANCE = 0.005
# Per-intent F1 moving less than this counts as unchanged (it is shown with 3 decimals).
CHANGE = 0.0005

Outcome = Literal["fixed", "still_wrong", "broken", "still_right"]


@dataclass(frozen=True)
class Headline:
    accuracy: float
    macro_f1: float
    n: int

    def as_json(self) -> dict[str, Any]:
        return {"accuracy": round(self.accuracy, 4), "macro_f1": round(self.macro_f1, 4), "n": self.n}


@dataclass(frozen=True)
class IntentChange:
    intent: str
    before: float
    after: float
    support: int

    @property
    def delta(self) -> float:
        return self.after - self.before

    @property
    def changed(self) -> bool:
        return abs(self.delta) >= CHANGE

    def as_json(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "before": round(self.before, 4),
            "after": round(self.after, 4),
            "delta": round(self.delta, 4),
            "support": self.support,
            "changed": self.changed,
        }


@dataclass(frozen=True)
class InboxMessage:
    text: str
    expected: str
    before: str | None
    after: str | None
    before_confidence: float | None = None
    after_confidence: float | None = None

    @property
    def outcome(self) -> Outcome:
        was = self._right(self.before)
        now = self._right(self.after)
        if now:
            return "still_right" if was else "fixed"
        return "broken" if was else "still_wrong"

    def _right(self, predicted: str | None) -> bool:
        return effective(Prediction(self.text, self.expected, predicted)) == self.expected

    def as_json(self) -> dict[str, Any]:
        confidence = lambda c: None if c is None else round(c, 3)  # noqa: E731
        return {
            "text": self.text,
            "expected": self.expected,
            "before": self.before,
            "after": self.after,
            "before_confidence": confidence(self.before_confidence),
            "after_confidence": confidence(self.after_confidence),
            "outcome": self.outcome,
        }


@dataclass
class RetrainReport:
    model_before: str
    model_after: str
    before: Headline | None
    after: Headline | None
    per_intent: list[IntentChange]
    inbox: list[InboxMessage]
    worse: bool
    trained: bool = True
    train_seconds: float = 0.0
    knowledge: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        outcomes = [m.outcome for m in self.inbox]
        return {
            "model_before": self.model_before,
            "model_after": self.model_after,
            "trained": self.trained,
            "train_seconds": self.train_seconds,
            "before": self.before.as_json() if self.before else None,
            "after": self.after.as_json() if self.after else None,
            "worse": self.worse,
            "per_intent": [c.as_json() for c in self.per_intent],
            "inbox": [m.as_json() for m in self.inbox],
            "inbox_summary": {o: outcomes.count(o) for o in ("fixed", "still_wrong", "broken", "still_right")},
            "knowledge": self.knowledge,
        }


def headline(predictions: list[Prediction]) -> Headline | None:
    if not predictions:
        return None
    report = score(predictions)
    return Headline(report.accuracy, report.macro_f1, report.n)


def intent_changes(before: list[Prediction], after: list[Prediction]) -> list[IntentChange]:
    """F1 of every intent of the held-out set; changed ones first (biggest moves first), then by name."""
    if not before or not after:
        return []
    old, new = score(before).per_intent, score(after).per_intent
    rows = [
        IntentChange(intent, old[intent].f1 if intent in old else 0.0, new[intent].f1 if intent in new else 0.0,
                     (new.get(intent) or old[intent]).support)
        for intent in sorted(set(old) | set(new))
    ]  # fmt: skip
    return sorted(rows, key=lambda c: (not c.changed, -abs(c.delta) if c.changed else 0.0, c.intent))


def is_worse(before: Headline | None, after: Headline | None, tolerance: float = TOLERANCE) -> bool:
    """Accuracy or macro-F1 dropped by more than `tolerance`; nothing to compare is not worse."""
    if before is None or after is None:
        return False
    return after.accuracy < before.accuracy - tolerance or after.macro_f1 < before.macro_f1 - tolerance


def inbox_messages(before: list[Prediction], after: list[Prediction]) -> list[InboxMessage]:
    """The labelled inbox messages, paired by text and expected intent; newly right ones first."""
    predicted_after = {(p.text, p.gold): p for p in after}
    messages = []
    for old in before:
        new = predicted_after.get((old.text, old.gold))
        messages.append(
            InboxMessage(old.text, old.gold, old.predicted, new.predicted if new else None, old.confidence,
                         new.confidence if new else None)
        )  # fmt: skip
    order = {"fixed": 0, "broken": 1, "still_wrong": 2, "still_right": 3}
    return sorted(messages, key=lambda m: order[m.outcome])


def compare(
    held_out_before: list[Prediction],
    held_out_after: list[Prediction],
    inbox_before: list[Prediction],
    inbox_after: list[Prediction],
    model_before: str,
    model_after: str,
    tolerance: float = TOLERANCE,
) -> RetrainReport:
    old, new = headline(held_out_before), headline(held_out_after)
    return RetrainReport(
        model_before=model_before,
        model_after=model_after,
        before=old,
        after=new,
        per_intent=intent_changes(held_out_before, held_out_after),
        inbox=inbox_messages(inbox_before, inbox_after),
        worse=is_worse(old, new, tolerance),
    )
