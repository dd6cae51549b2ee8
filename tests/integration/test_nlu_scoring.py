"""Scoring an already trained model in the Rasa environment, without training it again: what a
retrain does to compare the running model with the new one."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot_training.nlu_eval import EvaluationFailed, score_model
from tests.conftest import ROOT
from tests.unit.fake_rasa_env import write_nlu

pytestmark = pytest.mark.slow


def test_a_trained_model_scores_test_files_and_labelled_pairs_in_one_run(test_model: Path, tmp_path: Path) -> None:
    test = write_nlu(tmp_path / "held_out.yml", {"ask_shipping_time": ["亲 啥时候能发货呀"], "greet": ["你好呀"]})

    result = score_model(ROOT / ".venv-rasa", test_model, [test], [("我要找人工客服", "request_human")], ROOT)

    assert set(result) == {str(test), "pairs"}
    held_out = result[str(test)]
    assert [(p.text, p.gold) for p in held_out] == [("亲 啥时候能发货呀", "ask_shipping_time"), ("你好呀", "greet")]
    assert [p.predicted for p in held_out] == ["ask_shipping_time", "greet"]
    assert all(p.confidence is not None and 0 < p.confidence <= 1 for p in held_out)
    assert result["pairs"][0].gold == "request_human" and result["pairs"][0].predicted == "request_human"


def test_a_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EvaluationFailed, match="does not exist"):
        score_model(ROOT / ".venv-rasa", tmp_path / "kefu-nothing.tar.gz", [], [("你好", "greet")], ROOT)
