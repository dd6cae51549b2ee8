"""The turn report crosses from the action server to the handoff service and back out of Rasa's
`custom` field unchanged; a reader drops what it cannot trust (another version, a damaged
report) instead of failing the shopper's turn."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kefu_contract.turn_report import KEY, VERSION, RankedIntent, TurnReport

FULL = TurnReport(
    intent="ask_shipping_time",
    confidence=0.93,
    ranking=[RankedIntent(name="ask_shipping_time", confidence=0.93), RankedIntent(name="ask_coupon", confidence=0.02)],
    outcome="kb_abstained",
    kb_entry="shipping_time",
    kb_score=0.6123,
    kb_abstained=True,
    language="zh",
    message_id="42",
)


def test_a_report_survives_the_trip_through_rasas_custom_field() -> None:
    custom = json.loads(json.dumps({"custom": {KEY: FULL.to_wire()}}))["custom"]

    assert TurnReport.from_wire(custom[KEY]) == FULL


def test_the_wire_form_names_its_version_and_keeps_todays_fields() -> None:
    wire = FULL.to_wire()

    assert KEY == "kefu_turn" and wire["version"] == VERSION == 1
    assert wire["ranking"] == [
        {"name": "ask_shipping_time", "confidence": 0.93},
        {"name": "ask_coupon", "confidence": 0.02},
    ]
    assert {k: wire[k] for k in ("intent", "confidence", "outcome", "kb_entry", "kb_score", "kb_abstained")} == {
        "intent": "ask_shipping_time", "confidence": 0.93, "outcome": "kb_abstained",
        "kb_entry": "shipping_time", "kb_score": 0.6123, "kb_abstained": True,
    }  # fmt: skip
    assert (wire["language"], wire["message_id"]) == ("zh", "42")


def test_a_report_from_an_action_server_older_than_the_version_field_is_read_as_version_one() -> None:
    unversioned = {"intent": "ask_coupon", "confidence": 0.9, "ranking": [], "outcome": "answered"}

    report = TurnReport.from_wire(unversioned)

    assert report is not None and (report.version, report.intent, report.language) == (1, "ask_coupon", None)


@pytest.mark.parametrize("version", [2, 0, "1", True, None])
def test_a_version_this_reader_does_not_know_is_no_report(version: object) -> None:
    assert TurnReport.from_wire({**FULL.to_wire(), "version": version}) is None


def test_fields_a_later_sender_adds_within_the_version_are_ignored() -> None:
    assert TurnReport.from_wire({**FULL.to_wire(), "sentiment": 0.2}) == FULL


@pytest.mark.parametrize(
    "damage",
    [
        {"outcome": "shrugged"},
        {"confidence": "high"},
        {"confidence": True},
        {"kb_score": float("nan")},
        {"kb_abstained": "yes"},
        {"intent": 3},
        {"language": "fr"},
        {"ranking": "ask_coupon"},
        {"ranking": [{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "d"}]},  # the top three only
        {"message_id": 42},
    ],
)
def test_a_damaged_report_is_no_report_rather_than_an_error(damage: dict[str, Any]) -> None:
    assert TurnReport.from_wire({**FULL.to_wire(), **damage}) is None


@pytest.mark.parametrize("wire", [None, "kefu_turn", 3, ["answered"]])
def test_anything_but_a_dict_is_no_report(wire: object) -> None:
    assert TurnReport.from_wire(wire) is None


def test_a_report_is_a_value_not_a_form_to_fill_in() -> None:
    with pytest.raises(ValueError):
        FULL.outcome = "answered"  # type: ignore[misc]
