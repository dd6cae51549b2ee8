"""Retrain the bot from the trainers' latest examples and say what changed, before it goes live.

One retrain: bring the knowledge-base index in line with `knowledge/` (drafted entries go live),
train the full model with bot_training.training (fingerprint-named, so `kefu demo` reuses it), score the
running model and the new one on every held-out file in `tests/data/nlu/` and on the messages
trainers labelled from the inbox, and compare them (`bot_training.retrain_report`). Switching the running
bot to the new model is the caller's decision: the handoff service does it unless the report
says the new model is worse.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bot_training.nlu_eval import EvaluationFailed, score_model
from bot_training.nlu_metrics import Prediction
from bot_training.retrain_report import RetrainReport, compare
from bot_training.training import TrainingFailed, train
from kb_index.errors import KnowledgeError
from kb_index.settings import KbSettings

HELD_OUT_DIR = Path("tests/data/nlu")
CONFIG = Path("bot/config.yml")

# progress(step, detail): a step code the trainer's page words in the trainer's language.
Progress = Callable[[str, dict[str, Any]], None]


class RetrainFailed(Exception):
    """Training, scoring or the knowledge base failed; the message says what and where to look."""


def held_out_files(project_root: Path) -> list[Path]:
    return sorted((project_root / HELD_OUT_DIR).glob("*.yml"))


def rebuild_knowledge(kb: KbSettings) -> dict[str, int]:
    """What `kefu kb build` does: re-encode only the entries that changed, save the index.

    The action server and the handoff service notice the new manifest and reopen it."""
    from kb_index.encoder import load_encoder
    from kb_index.search import KnowledgeSearcher

    try:
        searcher, _ = KnowledgeSearcher.open(
            kb.knowledge_dir, kb.index_dir, load_encoder(kb.model), kb.threshold, hybrid_weight=kb.hybrid_weight
        )
    except KnowledgeError as exc:
        raise RetrainFailed(f"the knowledge base could not be indexed: {exc}") from exc
    update = searcher.update
    return {
        "entries": len(searcher.entries),
        "added": len(update.added),
        "changed": len(update.changed),
        "removed": len(update.removed),
    }


def retrain(
    project_root: Path,
    rasa_venv: Path,
    models_dir: Path,
    current_model: Path,
    inbox: list[tuple[str, str]],
    progress: Progress,
    *,
    config: Path = CONFIG,
    kb: KbSettings | None = None,
    log_file: Path | None = None,
) -> RetrainReport:
    """Train a candidate for the project at `project_root` and compare it with `current_model`.

    `inbox` holds (text, expected intent) of the messages trainers labelled. Raises RetrainFailed."""
    if not current_model.exists():
        raise RetrainFailed(f"the running model {current_model} is not on this machine: nothing to compare with")
    python = rasa_venv / "bin" / "python"
    if not python.exists():
        raise RetrainFailed(f"{python} not found: run `make setup` to create the Rasa environment")
    log = log_file or models_dir / "retrain.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    knowledge = rebuild_knowledge(kb or KbSettings(knowledge_dir=project_root / "knowledge"))
    progress("knowledge", knowledge)

    tests = held_out_files(project_root)
    pairs = list(dict.fromkeys((text, intent) for text, intent in inbox))
    progress("training", {"held_out": len(tests), "inbox": len(pairs)})

    def score(model: Path) -> dict[str, list[Prediction]]:
        return score_model(rasa_venv, model, tests, pairs, project_root, log)

    started = time.perf_counter()
    # The running model is scored while the candidate trains: two processes on two cores.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kefu-score") as pool:
        scoring_before = pool.submit(score, current_model)
        try:
            candidate, trained = train(rasa_venv, config, models_dir, log, root=project_root)
        except TrainingFailed as exc:
            raise RetrainFailed(str(exc)) from exc
        train_seconds = time.perf_counter() - started
        progress("trained" if trained else "up_to_date", {"model": candidate.name, "seconds": round(train_seconds)})
        try:
            before = scoring_before.result()
            progress("evaluating", {"model": candidate.name})
            after = before if candidate.resolve() == current_model.resolve() else score(candidate)
        except EvaluationFailed as exc:
            raise RetrainFailed(str(exc)) from exc

    held_before = [p for source, rows in before.items() if source != "pairs" for p in rows]
    held_after = [p for source, rows in after.items() if source != "pairs" for p in rows]
    report = compare(
        held_before,
        held_after,
        before.get("pairs", []),
        after.get("pairs", []),
        model_before=current_model.name,
        model_after=candidate.name,
    )
    report.trained = trained
    report.train_seconds = round(train_seconds, 1)
    report.knowledge = knowledge
    progress("evaluated", {"worse": report.worse})
    return report
