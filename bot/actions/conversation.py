"""What an action needs to know about the conversation, read once from Rasa's tracker."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rasa_sdk import Tracker

from bot.actions.upset import UpsetDetector
from kb_index.language import detect_language
from kefu_contract.metadata import MessageMetadata, is_language
from kefu_contract.packet import Turn
from kefu_contract.turn_report import Outcome, RankedIntent, TurnReport

CHITCHAT = {"greet", "goodbye", "thanks", "give_praise"}
_ORDER_ID = re.compile(r"[A-Za-z]{0,3}\d{10,20}")
_PHONE = re.compile(r"1[3-9]\d{9}")


@dataclass
class ReportDraft:
    """How the action served the turn, filled in as it goes; `kefu_turn` makes the contract's
    TurnReport of it at the end, for the trainers to review the turns it failed."""

    outcome: Outcome = "answered"
    kb_entry: str | None = None  # the knowledge base's best hit: the answer given, or the nearest when it abstained
    kb_score: float | None = None
    kb_abstained: bool = False  # kept when a second failure hands over: still a knowledge gap


@dataclass(frozen=True)
class TurnContext:
    """The shopper's latest message and what is known around it."""

    text: str
    lang: str
    intent: str | None
    confidence: float | None
    customer_id: str | None
    entities: dict[str, str]
    failed_turns: list[str]
    earlier_questions: list[str]  # the shopper's earlier messages in this session, oldest first
    ranking: tuple[dict[str, Any], ...] = ()  # NLU's top intents, best first
    message_id: str | None = None  # the handoff service's id of the message, when it carried one
    report: ReportDraft = field(default_factory=ReportDraft, compare=False)

    @property
    def is_button(self) -> bool:
        """A button's payload (`/request_human`): no language and nothing to learn from."""
        return self.text.startswith("/")

    def entity(self, name: str) -> str | None:
        """The first value NLU (or the order-number pattern) found for entity `name`."""
        return self.entities.get(name)


def carried_of(tracker: Tracker) -> MessageMetadata:
    """What the handoff service carried in with the latest message (nothing from an older one)."""
    return MessageMetadata.from_metadata(tracker.latest_message.get("metadata")) or MessageMetadata()


def shopper_language(tracker: Tracker) -> str:
    """The language of the shopper's last message: as the handoff service detected it on arrival
    and carried it (detected once per turn, so the bot answers in the language the transcript
    recorded); detected here only when nothing was carried, the widget's language if the text
    has no letters."""
    carried = carried_of(tracker).language
    if carried is not None:
        return carried
    metadata = tracker.latest_message.get("metadata") or {}
    default = metadata.get("lang") if is_language(metadata.get("lang")) else "zh"
    text = tracker.latest_message.get("text") or ""
    if text.startswith("/"):  # a button payload says nothing about the language: use the last typed message
        for event in reversed(tracker.events):
            typed = event.get("text") or ""
            if event.get("event") == "user" and typed and not typed.startswith("/"):
                return detect_language(typed, default)
        return default
    return detect_language(text, default)


def customer_id_of(tracker: Tracker) -> str | None:
    """The verified customer id the handoff service sent with the shopper's latest message that had one."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            customer_id = (event.get("metadata") or {}).get("customer_id")
            if customer_id:
                return str(customer_id)
    return None


def _session_events(tracker: Tracker) -> list[dict[str, Any]]:
    """Events since the current session started (Rasa restarts memory at session_start)."""
    events = list(tracker.events)
    for n in range(len(events) - 1, -1, -1):
        if events[n].get("event") == "action" and events[n].get("name") == "action_session_start":
            return events[n:]
    return events


def entities_of(tracker: Tracker) -> dict[str, str]:
    """Entities of the latest message (first value of each), plus an order id found by pattern."""
    found: dict[str, str] = {}
    for entity in tracker.latest_message.get("entities") or []:
        name, value = entity.get("entity"), entity.get("value")
        if name and value is not None and name not in found:
            found[name] = str(value)
    text = tracker.latest_message.get("text") or ""
    if "order_id" not in found and not text.startswith("/"):
        match = _ORDER_ID.search(text)
        if match:
            found["order_id"] = match.group(0)
    if _PHONE.fullmatch(found.get("order_id", "")):  # a mobile number is not an order number
        found["phone"] = found.pop("order_id")
    return found


def context_of(tracker: Tracker) -> TurnContext:
    """Everything an action needs about the turn, read from the tracker once."""
    intent = tracker.latest_message.get("intent") or {}
    failed = tracker.get_slot("failed_turns")
    user_texts = [e.get("text") or "" for e in _session_events(tracker) if e.get("event") == "user"]
    return TurnContext(
        text=(tracker.latest_message.get("text") or "").strip(),
        lang=shopper_language(tracker),
        intent=intent.get("name"),
        confidence=intent.get("confidence"),
        customer_id=customer_id_of(tracker),
        entities=entities_of(tracker),
        failed_turns=list(failed) if isinstance(failed, list) else [],
        earlier_questions=user_texts[:-1],
        ranking=tuple(
            {"name": r.get("name"), "confidence": r.get("confidence")}
            for r in (tracker.latest_message.get("intent_ranking") or [])[:3]
            if isinstance(r, dict)
        ),
        message_id=carried_of(tracker).message_id,
    )


def kefu_turn(turn: TurnContext) -> TurnReport:
    """How the bot understood and served this turn, for the handoff service's review inbox
    (it travels in the reply's `custom` and is never shown to the shopper)."""
    report = turn.report
    kb_score = _number(report.kb_score)
    return TurnReport(
        intent=_name(turn.intent),
        confidence=_number(turn.confidence),
        ranking=[RankedIntent(name=_name(r.get("name")), confidence=_number(r.get("confidence"))) for r in turn.ranking],
        outcome=report.outcome,
        kb_entry=report.kb_entry,
        kb_score=None if kb_score is None else round(kb_score, 4),
        kb_abstained=report.kb_abstained,
        language=turn.lang if is_language(turn.lang) else None,
        message_id=turn.message_id,
    )


def _number(value: object) -> float | None:
    """A score as the report carries it: a finite float, else none (a report that fails the
    contract's checks would cost the shopper the reply it rides on)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _name(value: object) -> str | None:
    """An intent name as the report carries it: a string, else none (for the same reason)."""
    return value if isinstance(value, str) else None


def normalise(text: str) -> str:
    """Lower case, full-width folded, without spaces, punctuation or emoji: for comparing questions."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in folded if c.isalnum())


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def is_repeat(question: str, earlier: list[str], threshold: float = 0.8) -> bool:
    """The same question again: equal, or sharing most character bigrams with an earlier message."""
    mine = normalise(question)
    if len(mine) < 4:
        return False
    for other in earlier:
        theirs = normalise(other)
        if not theirs or other.startswith("/"):
            continue
        if mine == theirs:
            return True
        a, b = _bigrams(mine), _bigrams(theirs)
        if len(a & b) / len(a | b) >= threshold:
            return True
    return False


def transcript_of(tracker: Tracker, detector: UpsetDetector, limit: int = 50) -> list[Turn]:
    """The chat as the agent should read it, each shopper turn with intent, confidence and sentiment."""
    turns: list[Turn] = []
    for event in tracker.events:
        if event.get("event") == "user":
            text = event.get("text") or ""
            intent = (event.get("parse_data") or {}).get("intent") or {}
            mood = detector.score(text)
            turns.append(
                Turn(
                    sender="shopper",
                    text=text,
                    intent=intent.get("name"),
                    confidence=intent.get("confidence"),
                    timestamp=event.get("timestamp"),
                    sentiment=mood.sentiment,
                    upset=mood.upset,
                )
            )
        elif event.get("event") == "bot" and event.get("text"):
            turns.append(Turn(sender="bot", text=event["text"], timestamp=event.get("timestamp")))
    return turns[-limit:]
