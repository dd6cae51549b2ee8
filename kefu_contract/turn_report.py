"""The turn report: what the action server tells the handoff service about each shopper turn.

Why: trainers review the turns the bot got wrong (low confidence, no knowledge-base answer, a
hand-over), and only the action server knows how it understood and served a turn. It rides in
the `custom` field of the action's last message (a bare carrier message when it said nothing),
under `KEY`, through Rasa's REST channel to the handoff service, which takes it out before the
shopper sees the reply:

    {"custom": {"kefu_turn": {"version": 1, "intent": "ask_coupon", "outcome": "answered", ...}}}

Versioned, because the two ends are deployed apart: a reader keeps the versions it knows and
reads anything else (a newer version, a damaged report) as no report, never as an error.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError

from kefu_contract.metadata import Language

KEY = "kefu_turn"  # in the `custom` of the action's last message
VERSION = 1

Outcome = Literal["answered", "kb_abstained", "not_understood", "escalated"]
# A finite number given as a number: a bool or a numeric string is a damaged report, not a score.
Score = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class RankedIntent(BaseModel):
    """One of NLU's best guesses for the message, offered to the trainer as a label."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: StrictStr | None = None
    confidence: Score | None = None


class TurnReport(BaseModel):
    """How the bot understood and served one shopper turn."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    version: Literal[1] = VERSION
    intent: StrictStr | None = None
    confidence: Score | None = None
    ranking: list[RankedIntent] = Field(default_factory=list, max_length=3)  # NLU's top three, best first
    outcome: Outcome = "answered"
    # The knowledge base's best hit: the answer given, or the nearest entry when it abstained.
    kb_entry: StrictStr | None = None
    kb_score: Score | None = None
    kb_abstained: StrictBool = False  # kept when a second failure hands over: still a knowledge gap
    language: Language | None = None  # the language the bot answered in
    message_id: StrictStr | None = None  # the shopper message's id, as carried in (kefu_contract.metadata)

    def to_wire(self) -> dict[str, Any]:
        """The JSON-ready dict to put in `custom[KEY]` of the action's last message."""
        return self.model_dump(mode="json")

    @classmethod
    def from_wire(cls, wire: object) -> TurnReport | None:
        """The report in `wire` (what `custom[KEY]` held), or None when it is not one this reader
        knows: another version, a damaged report, not a dict. Never raises.

        A report without `version` is read as version 1: action servers sent the same fields
        unversioned before this contract, and may still be running during an upgrade."""
        if not isinstance(wire, dict):
            return None
        if wire.get("version", VERSION) != VERSION or isinstance(wire.get("version"), bool):
            return None
        try:
            return cls.model_validate(wire)
        except ValidationError:
            return None
