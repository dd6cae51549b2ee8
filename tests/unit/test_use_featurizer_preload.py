"""A Rasa server loads everything a turn needs with its model, before it listens (issue #15):
loaded on the first message instead, the USE encoder and jieba's dictionary held up every turn in
flight for 10–20 s after each Rasa (re)start on a busy machine. Run in Rasa's environment."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT, run_in_rasa_env

pytestmark = pytest.mark.skipif(not (ROOT / ".venv-rasa/bin/python").exists(), reason="Rasa's environment is not set up")

PROBE = """
import json
import jieba
from bot.components import use_featurizer
from bot.components.use_featurizer import UseFeaturizer

before = [use_featurizer._encoder is not None, bool(jieba.dt.initialized)]
UseFeaturizer.load({**UseFeaturizer.get_default_config()}, None, None, type("Context", (), {"node_name": "use"})())
print(json.dumps({"before": before, "after": [use_featurizer._encoder is not None, bool(jieba.dt.initialized)]}))
"""


def test_loading_the_featurizer_loads_the_encoder_and_jiebas_dictionary() -> None:
    loaded = run_in_rasa_env(PROBE, timeout=180)
    assert loaded == {"before": [False, False], "after": [True, True]}
