"""What the handoff service carries with a shopper message (its language, detected once on
arrival, and its id) reaches the action server through Rasa's metadata; anything else there,
or nothing, reads as nothing carried."""

from __future__ import annotations

import json

import pytest

from kefu_contract.metadata import KEY, MessageMetadata


def test_the_language_and_message_id_survive_the_trip_through_rasas_metadata() -> None:
    carried = MessageMetadata(language="en", message_id="42")
    metadata = json.loads(json.dumps({"customer_id": "C1001", **carried.to_metadata()}))

    assert metadata[KEY] == {"language": "en", "message_id": "42"}
    assert MessageMetadata.from_metadata(metadata) == carried


def test_a_sequence_number_sent_as_a_number_reads_as_the_message_id() -> None:
    assert MessageMetadata.from_metadata({KEY: {"message_id": 42}}) == MessageMetadata(message_id="42")


def test_unset_fields_are_left_out() -> None:
    assert MessageMetadata(language="zh").to_metadata() == {KEY: {"language": "zh"}}


@pytest.mark.parametrize(
    "metadata",
    [None, "zh", {}, {"lang": "en"}, {KEY: "zh"}, {KEY: {}}, {KEY: {"language": "fr", "message_id": True}}],
)
def test_nothing_of_ours_reads_as_nothing_carried(metadata: object) -> None:
    assert MessageMetadata.from_metadata(metadata) is None


def test_a_bad_field_is_dropped_and_the_good_one_kept() -> None:
    assert MessageMetadata.from_metadata({KEY: {"language": "fr", "message_id": "7", "new": 1}}) == MessageMetadata(
        message_id="7"
    )
