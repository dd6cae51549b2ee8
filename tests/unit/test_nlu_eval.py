"""`kefu nlu eval`: the scoring rules, and (slow) a real training run in the Rasa environment."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kefu.cli import app
from bot_training.nlu_metrics import Prediction, score
from tests.conftest import ROOT


def test_out_of_scope_counts_as_right_when_the_pipeline_falls_back() -> None:
    report = score(
        [
            Prediction("asdf", "out_of_scope", "nlu_fallback"),
            Prediction("weather?", "out_of_scope", "out_of_scope"),
            Prediction("joke", "out_of_scope", "greet"),
            Prediction("hi", "greet", "greet"),
            Prediction("hello", "greet", "nlu_fallback"),  # in scope: a fallback is wrong
            Prediction("bye", "goodbye", "goodbye"),
        ]
    )

    assert report.accuracy == pytest.approx(4 / 6)
    assert report.in_scope_accuracy == pytest.approx(2 / 3)
    assert report.oos_recall == pytest.approx(2 / 3)
    assert report.per_intent["greet"].precision == pytest.approx(1 / 2)  # "joke" was called greet
    assert report.per_intent["greet"].recall == pytest.approx(1 / 2)
    assert report.per_intent["goodbye"].f1 == 1.0
    assert report.macro_f1 == pytest.approx((report.per_intent["greet"].f1 + report.per_intent["goodbye"].f1 + report.per_intent["out_of_scope"].f1) / 3)
    assert sorted(report.confused) == [("greet", "nlu_fallback", 1), ("out_of_scope", "greet", 1)]


def test_without_out_of_scope_examples_its_recall_is_none_and_json_has_the_contract_keys() -> None:
    report = score([Prediction("hi", "greet", "greet")])

    document = report.as_json()
    assert list(document)[:4] == ["accuracy", "macro_f1", "in_scope_accuracy", "oos_recall"]
    assert (document["accuracy"], document["oos_recall"]) == (1.0, None)


def test_nothing_to_score_is_an_error() -> None:
    with pytest.raises(ValueError, match="no predictions"):
        score([])


def test_train_without_test_is_refused() -> None:
    result = CliRunner().invoke(app, ["nlu", "eval", "--train", "a.yml"])

    assert result.exit_code == 2
    assert "give both --train and --test" in result.output


def test_missing_files_are_reported(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["nlu", "eval", "--train", str(tmp_path / "a.yml"), "--test", str(tmp_path / "b.yml")])

    assert result.exit_code == 1
    assert "does not exist" in result.output


def write_nlu(path: Path, intents: dict[str, list[str]]) -> Path:
    """Any Rasa NLU YAML: entity annotations and a synonym included, to prove Rasa's loader reads it."""
    blocks = "\n".join(
        f"  - intent: {intent}\n    examples: |\n" + "\n".join(f"      - {e}" for e in examples) for intent, examples in intents.items()
    )
    path.write_text(
        'version: "3.1"\nnlu:\n' + blocks + "\n  - synonym: pizza\n    examples: |\n      - pie\n", encoding="utf-8"
    )
    return path


@pytest.mark.slow
def test_eval_trains_in_the_rasa_environment_and_prints_the_json_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("KEFU_VAR_DIR", str(tmp_path / "var"))
    config = tmp_path / "config.yml"
    config.write_text(
        textwrap.dedent(
            """\
            language: en
            pipeline:
              - name: WhitespaceTokenizer
              - name: CountVectorsFeaturizer
                analyzer: char_wb
                min_ngram: 2
                max_ngram: 4
              - name: LogisticRegressionClassifier
            policies: []
            """
        ),
        encoding="utf-8",
    )
    train = write_nlu(
        tmp_path / "train.yml",
        {
            "order_pizza": ["i want a [pizza](food)", "order a pizza please", "get me a pie", "pizza delivery", "one large pizza"],
            "order_drink": ["i want a [cola](food)", "a drink please", "get me a soda", "something to drink", "one lemonade"],
        },
    )
    test = write_nlu(tmp_path / "test.yml", {"order_pizza": ["can i order a pizza"], "order_drink": ["i'd like a soda"]})

    result = CliRunner().invoke(
        app, ["nlu", "eval", "--train", str(train), "--test", str(test), "--config", str(config), "--json"]
    )

    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert {"accuracy", "macro_f1", "in_scope_accuracy", "oos_recall"} <= set(document)
    assert document["n"] == 2 and document["oos_recall"] is None
    assert document["accuracy"] == 1.0


def test_the_human_report_shows_headline_worst_intents_first_and_confusions(capsys: pytest.CaptureFixture[str]) -> None:
    from kefu.nlu_cli import show
    from bot_training.nlu_eval import Evaluation

    predictions = [
        Prediction("hi", "greet", "greet"),
        Prediction("yo", "greet", "nlu_fallback"),
        Prediction("hey", "greet", "nlu_fallback"),
        Prediction("bye", "goodbye", "goodbye"),
    ]
    show(Evaluation(score(predictions), [12.0], 0.1, predictions), "a.yml → b.yml", Path("bot/config.yml"))

    out = capsys.readouterr().out
    assert "intent accuracy" in out and "50.0 %" in out and "12s" in out
    table = out[out.index("per intent") :]
    assert table.index("greet") < table.index("goodbye")  # worst F1 first
    assert "most confused" in out


def test_headline_figures_come_with_bootstrap_intervals_and_a_weakest_first_view() -> None:
    """Issue #18: a trainer sees how sure each figure is and which intent to fix first."""
    predictions = [Prediction(f"hi {i}", "greet", "greet") for i in range(20)]
    predictions += [Prediction(f"bye {i}", "goodbye", "goodbye" if i < 5 else "greet") for i in range(10)]
    predictions += [Prediction(f"x {i}", "out_of_scope", "nlu_fallback" if i < 8 else "greet") for i in range(10)]

    report = score(predictions)
    document = report.as_json()

    assert set(document["ci"]) == {"accuracy", "macro_f1", "in_scope_accuracy", "oos_recall"}
    for key in ("accuracy", "macro_f1", "in_scope_accuracy", "oos_recall"):
        low, high = document["ci"][key]
        assert low <= document[key] <= high and high - low > 0.05, key
    assert [row["intent"] for row in report.weakest][0] == "goodbye"
    assert report.weakest[0]["mistaken_for"] == "greet" and report.weakest[0]["recall"] == 0.5
