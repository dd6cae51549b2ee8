"""When the bot hands a chat to a person, why (the reason code), and how urgently.

Before answering, every action asks `before_answer`: a high-risk message (payment dispute,
fraud, safety) or an upset shopper goes to a person at once, and so does the same question
asked again within the shopper's last three messages (the answer did not help: `repeated_failure`).

After a turn the bot could not serve, `after_failure` looks at the streak of failed turns:
one failure gets "not understood: rephrase or ask for a person"; the second in a row hands
over, as `low_confidence` (NLU unsure and the knowledge base abstained, twice),
`out_of_scope_repeated` (out of scope twice) or `repeated_failure` (any other mix, or an
in-scope question the bot could not answer).

Priority (the seeds' 紧急 / 重要 / 常规): high risk is urgent; an upset shopper is important,
urgent when a VIP or someone who complained before; every other reason is routine, important
for a VIP or a past complainer.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions.conversation import CHITCHAT, TurnContext, is_repeat
from bot.actions.risk import high_risk
from bot.actions.upset import UpsetScore
from kefu_contract.packet import CustomerProfile, Priority, Reason

# Kinds of failed turns, as kept in the `failed_turns` slot.
LOW_CONFIDENCE = "low_confidence"
OUT_OF_SCOPE = "out_of_scope"
FAILURE = "failure"
NO_REPEAT_CHECK = CHITCHAT | {"request_human", "file_complaint"}
# "The same question again" means again *soon*: among the shopper's last few messages. The
# same question an hour and three topics later is a new need, not a failed answer.
REPEAT_WINDOW = 3


@dataclass(frozen=True)
class Escalation:
    reason: Reason
    detail: str | None = None  # e.g. the kind of risk, for the agent's summary


def before_answer(turn: TurnContext, mood: UpsetScore) -> Escalation | None:
    """Hand over before answering? High risk first, then upset, then the same question again."""
    if turn.is_button:
        return None
    risk = high_risk(turn.text)
    if risk:
        return Escalation("high_risk", risk)
    if mood.upset or turn.intent == "file_complaint":
        return Escalation("upset", ", ".join(mood.cues) or None)
    recent = turn.earlier_questions[-REPEAT_WINDOW:]
    if turn.intent not in NO_REPEAT_CHECK and is_repeat(turn.text, recent):
        return Escalation("repeated_failure", "same question again")
    return None


def failure_kind(intent: str | None) -> str:
    """What kind of failure a turn the bot could not serve is, from the intent NLU gave it."""
    if intent in (None, "nlu_fallback"):
        return LOW_CONFIDENCE
    if intent == "out_of_scope":
        return OUT_OF_SCOPE
    return FAILURE


def after_failure(failed_turns: list[str], kind: str) -> Escalation | None:
    """Hand over after this failure? Only on the second failed turn in a row."""
    streak = [*failed_turns, kind][-2:]
    if len(streak) < 2:
        return None
    if streak == [OUT_OF_SCOPE, OUT_OF_SCOPE]:
        return Escalation("out_of_scope_repeated")
    if streak == [LOW_CONFIDENCE, LOW_CONFIDENCE]:
        return Escalation("low_confidence")
    return Escalation("repeated_failure")


def priority(reason: Reason, customer: CustomerProfile | None) -> Priority:
    valued = customer is not None and (
        any(t.upper() == "VIP" for t in customer.tags) or customer.past_complaints > 0
    )
    if reason in ("high_risk", "bot_unavailable"):
        return "urgent"
    if reason == "upset":
        return "urgent" if valued else "important"
    return "important" if valued else "routine"
