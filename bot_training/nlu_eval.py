"""Run an NLU evaluation: train the pipeline of a Rasa config in `.venv-rasa`, then score it.

Rasa 3.6 runs only on Python 3.10, so training and parsing happen in a subprocess of the
Rasa environment (`kefu/rasa_nlu_predict.py`); this side writes the NLU-only config, reads
the predictions back and scores them with `bot_training.nlu_metrics`.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot_training.nlu_metrics import Prediction, Report, score
from bot_training.settings import child_environment

PREDICT_SCRIPT = Path(__file__).with_name("rasa_nlu_predict.py")


class EvaluationFailed(Exception):
    """Training or parsing in the Rasa environment failed; the message says where to look."""


@dataclass
class Evaluation:
    report: Report
    train_seconds: list[float]
    parse_seconds: float
    predictions: list[Prediction]

    def as_json(self) -> dict[str, object]:
        return {
            **self.report.as_json(),
            "train_seconds": [round(s, 1) for s in self.train_seconds],
            "parse_ms_per_example": round(1000 * self.parse_seconds / max(self.report.n, 1), 2),
        }


def nlu_only_config(config: Path, target: Path) -> Path:
    """The config's NLU part (language + pipeline): policies are irrelevant to `rasa train nlu`."""
    data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    if not data.get("pipeline"):
        raise EvaluationFailed(f"{config} has no NLU pipeline")
    keep = {k: data[k] for k in ("recipe", "language", "assistant_id", "pipeline") if k in data}
    target.write_text(yaml.safe_dump(keep, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def _run(rasa_venv: Path, config: Path, arguments: list[str], log_file: Path | None) -> Evaluation:
    python = rasa_venv / "bin" / "python"
    if not python.exists():
        raise EvaluationFailed(f"{python} not found: run `make setup` to create the Rasa environment")
    with tempfile.TemporaryDirectory(prefix="kefu-nlu-eval-") as tmp:
        work = Path(tmp)
        out = work / "predictions.json"
        command = [
            str(python), str(PREDICT_SCRIPT),
            "--config", str(nlu_only_config(config, work / "config.yml")),
            "--work", str(work / "models"),
            "--out", str(out),
            *arguments,
        ]  # fmt: skip
        env = child_environment({"RASA_CACHE_DIRECTORY": str(work / "cache")})
        log = log_file.open("ab") if log_file else subprocess.DEVNULL
        try:
            result = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False, env=env)
        finally:
            if log_file:
                log.close()  # type: ignore[union-attr]
        if result.returncode != 0 or not out.exists():
            where = f"; see {log_file}" if log_file else ""
            raise EvaluationFailed(f"training or parsing in the Rasa environment failed (exit {result.returncode}){where}")
        runs = json.loads(out.read_text(encoding="utf-8"))["runs"]
    predictions = [
        Prediction(r["text"], r["gold"], r["predicted"], r.get("confidence")) for run in runs for r in run["predictions"]
    ]
    return Evaluation(
        report=score(predictions),
        train_seconds=[run["train_seconds"] for run in runs],
        parse_seconds=sum(run["parse_seconds"] for run in runs),
        predictions=predictions,
    )


def score_model(
    rasa_venv: Path,
    model: Path,
    tests: list[Path],
    pairs: list[tuple[str, str]],
    root: Path = Path("."),
    log_file: Path | None = None,
) -> dict[str, list[Prediction]]:
    """Predictions of an already trained model (loaded once, no training) on each test file and on
    `pairs` (text, expected intent): keyed by the test file's path as given, and "pairs".

    Runs in the project's `root`, where the pipeline's custom components import from."""
    python = (rasa_venv / "bin" / "python").absolute()
    if not python.exists():
        raise EvaluationFailed(f"{python} not found: run `make setup` to create the Rasa environment")
    for path in (model, *tests):
        if not path.exists():
            raise EvaluationFailed(f"{path} does not exist")
    with tempfile.TemporaryDirectory(prefix="kefu-nlu-score-") as tmp:
        work = Path(tmp)
        out = work / "predictions.json"
        command = [str(python), str(PREDICT_SCRIPT), "--model", str(model.absolute()), "--out", str(out)]
        for test in tests:
            command += ["--test", str(test.absolute())]
        if pairs:
            (work / "pairs.json").write_text(json.dumps(pairs, ensure_ascii=False), encoding="utf-8")
            command += ["--pairs", str(work / "pairs.json")]
        env = child_environment({"RASA_CACHE_DIRECTORY": str(work / "cache")})
        log = log_file.open("ab") if log_file else subprocess.DEVNULL
        try:
            result = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False, env=env, cwd=root)
        finally:
            if log_file:
                log.close()  # type: ignore[union-attr]
        if result.returncode != 0 or not out.exists():
            where = f"; see {log_file}" if log_file else ""
            raise EvaluationFailed(f"scoring {model.name} in the Rasa environment failed (exit {result.returncode}){where}")
        runs = json.loads(out.read_text(encoding="utf-8"))["runs"]
    names = {str(test.absolute()): str(test) for test in tests}
    return {
        names.get(run["source"], run["source"]): [
            Prediction(r["text"], r["gold"], r["predicted"], r.get("confidence")) for r in run["predictions"]
        ]
        for run in runs
    }


def evaluate(rasa_venv: Path, config: Path, train: Path, test: Path, log_file: Path | None = None) -> Evaluation:
    """Train on `train` (Rasa NLU YAML, a file or a folder), report on `test`."""
    for path in (config, train, test):
        if not path.exists():
            raise EvaluationFailed(f"{path} does not exist")
    return _run(rasa_venv, config, ["--train", str(train), "--test", str(test)], log_file)


def cross_validate(
    rasa_venv: Path, config: Path, data: Path, folds: int = 5, log_file: Path | None = None
) -> Evaluation:
    """Stratified `folds`-fold cross-validation on the NLU data under `data`."""
    if folds < 2:
        raise EvaluationFailed("cross-validation needs at least 2 folds")
    for path in (config, data):
        if not path.exists():
            raise EvaluationFailed(f"{path} does not exist")
    return _run(rasa_venv, config, ["--cv", str(data), "--folds", str(folds)], log_file)
