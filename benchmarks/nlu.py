"""The bot's understanding, measured: the figures of BENCHMARKS.md "The bot (issue #7)".

    python -m benchmarks.nlu            # everything below (make bench-nlu), ~5 min
    python -m benchmarks.nlu bitext     # one part: bitext | heldout | train
    python -m benchmarks.nlu bitext --bitext PATH  # another bitext CSV (the full sample)

- bitext: the bitext CSV (27 intents, English; by default the in-repo subset of
  benchmarks/data/public/bitext/, see benchmarks/public_data.py), a stratified 80/20 split (seed 7)
  written as Rasa NLU YAML under var/bench/bitext/, evaluated with `kefu nlu eval`'s code
  and the pipeline of bot/config.yml;
- heldout: trained on nlu_data, scored on tests/data/nlu/{zh,en}_test.yml; then, for the
  held-out out-of-scope and nonsense messages, where the bot really ends: "not understood"
  when NLU says out_of_scope/nlu_fallback or routes to the knowledge base and the knowledge
  base (the real one, knowledge/) does not answer by the bot's rule (bot.actions.kb.kb_answers); a person when NLU says request_human/file_complaint;
  anything else is an answer the shopper did not ask for;
- train: a full `rasa train` (bot/config.yml, NLU + rules), timed.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from collections import defaultdict
from functools import partial
from pathlib import Path

import yaml

from benchmarks.public_data import BITEXT_CSV, bitext_rows
from bot_training.nlu_eval import evaluate
from bot_training.training import train
from kefu.settings import DemoSettings

OUT = Path("var/bench")
KB_INTENTS = {
    "greet", "goodbye", "thanks", "ask_shipping_time", "ask_delivery_time", "ask_price_protection",
    "ask_size_advice", "ask_product_info", "ask_invoice", "change_address", "cancel_order",
    "out_of_scope", "nlu_fallback",
}  # fmt: skip
HUMAN_INTENTS = {"request_human", "file_complaint"}


def write_nlu(path: Path, by_intent: dict[str, list[str]]) -> Path:
    blocks = [{"intent": intent, "examples": "".join(f"- {t}\n" for t in texts)} for intent, texts in sorted(by_intent.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"version": "3.1", "nlu": blocks}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def bitext_split(seed: int = 7, test_share: float = 0.2, bitext_csv: Path = BITEXT_CSV) -> tuple[Path, Path]:
    """Stratified split of the bitext utterances (duplicates dropped; `${`, never in Rasa YAML, escaped)."""
    by_intent: dict[str, set[str]] = defaultdict(set)
    for row in bitext_rows(bitext_csv):
        by_intent[row["intent"]].add(row["instruction"].strip().replace("${", "$ {"))
    train_part: dict[str, list[str]] = {}
    test_part: dict[str, list[str]] = {}
    rng = random.Random(seed)
    for intent, texts in sorted(by_intent.items()):
        ordered = sorted(texts)
        rng.shuffle(ordered)
        cut = round(len(ordered) * test_share)
        test_part[intent], train_part[intent] = ordered[:cut], ordered[cut:]
    return write_nlu(OUT / "bitext" / "train.yml", train_part), write_nlu(OUT / "bitext" / "test.yml", test_part)


def headline(result: object) -> dict[str, object]:
    document = result.as_json()  # type: ignore[attr-defined]
    keep = ("accuracy", "macro_f1", "in_scope_accuracy", "oos_recall", "n", "train_seconds", "parse_ms_per_example")
    return {k: document[k] for k in keep} | {"confused": document["confused"][:5]}


def bench_bitext(settings: DemoSettings, bitext_csv: Path = BITEXT_CSV) -> dict[str, object]:
    """Intent accuracy on bitext; the report names the file, as the subset and the full sample differ."""
    train_file, test_file = bitext_split(bitext_csv=bitext_csv)
    result = headline(evaluate(settings.rasa_venv, settings.bot_config, train_file, test_file))
    return {"bitext_csv": str(bitext_csv)} | result


def bench_heldout(settings: DemoSettings) -> dict[str, object]:
    from kb_index.encoder import load_encoder
    from kb_index.search import KnowledgeSearcher
    from kb_index.settings import KbSettings

    from bot.actions.kb import kb_answers
    from bot.actions.settings import ActionSettings

    action_settings = ActionSettings()
    kb = KbSettings()
    searcher, _ = KnowledgeSearcher.open(kb.knowledge_dir, kb.index_dir, load_encoder(kb.model), kb.threshold)
    report: dict[str, object] = {}
    for lang in ("zh", "en"):
        result = evaluate(settings.rasa_venv, settings.bot_config, Path("nlu_data"), Path(f"tests/data/nlu/{lang}_test.yml"))
        outcomes: dict[str, int] = defaultdict(int)
        wrong: list[str] = []
        for p in result.predictions:
            if p.gold != "out_of_scope":
                continue
            predicted = p.predicted or "nlu_fallback"
            if predicted in HUMAN_INTENTS:
                outcome = "human"
            elif predicted in KB_INTENTS and predicted not in ("greet", "goodbye", "thanks"):
                answered = kb_answers(searcher.search(p.text), predicted, action_settings)
                outcome = "kb_answer" if answered else "not_understood"
            else:
                outcome = "answered_" + predicted
            outcomes[outcome] += 1
            if outcome not in ("not_understood", "human"):
                wrong.append(f"{p.text} → {predicted} ({outcome})")
        total = sum(outcomes.values())
        report[lang] = headline(result) | {
            "oos_end_to_end": dict(outcomes),
            "not_understood_or_human_rate": round((outcomes["not_understood"] + outcomes["human"]) / total, 3) if total else None,
            "oos_misses": wrong,
        }
    return report


def bench_train(settings: DemoSettings) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="kefu-bench-train-") as tmp:
        started = time.perf_counter()
        train(settings.rasa_venv, settings.bot_config, Path(tmp), OUT / "train-full.log")
        seconds = time.perf_counter() - started
    return {"full_rasa_train_seconds": round(seconds, 1), "config": str(settings.bot_config)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", metavar="part", help="bitext | heldout | train (default: all three)")
    parser.add_argument("--bitext", type=Path, default=BITEXT_CSV,
                        help="bitext CSV (default: the in-repo subset; BENCHMARKS.md's older figures used the full 4,514-row sample)")
    args = parser.parse_args(argv)
    benches = {"bitext": partial(bench_bitext, bitext_csv=args.bitext), "heldout": bench_heldout, "train": bench_train}
    parts = args.parts or list(benches)
    if unknown := [part for part in parts if part not in benches]:
        parser.error(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(benches)}")
    settings = DemoSettings()
    OUT.mkdir(parents=True, exist_ok=True)
    report = {part: benches[part](settings) for part in parts}
    text = json.dumps(report, ensure_ascii=False, indent=2)
    (OUT / "nlu.json").write_text(text, encoding="utf-8")
    print(text)
    shutil.rmtree(OUT / "bitext", ignore_errors=True)


if __name__ == "__main__":
    main()
