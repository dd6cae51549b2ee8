"""Train a Rasa NLU pipeline and predict the intents of held-out examples (runs in `.venv-rasa`).

This file is executed as a script by the Python 3.10 interpreter of the Rasa environment
(`kefu nlu eval` starts it in a subprocess): Rasa Open Source 3.6 lives only there. It must
therefore import nothing of kefu, only Rasa and the standard library, and it does no scoring:
it writes one JSON document of predictions, and kefu (Python 3.11) computes the metrics.

    python rasa_nlu_predict.py --config nlu-config.yml --work DIR --out predictions.json \
        (--train A.yml --test B.yml | --cv DATA_DIR --folds 5)
    python rasa_nlu_predict.py --model MODEL.tar.gz --out predictions.json \
        --test B.yml [--test C.yml …] [--pairs pairs.json]

The second form scores an already trained model (loaded once) without training: one run per
test file, and one for `pairs.json` (a JSON list of [text, intent]) when given.

Rasa reads the data with its own loaders, so any Rasa NLU YAML works: entity annotations,
synonyms, regexes, lookup tables and retrieval intents included.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any


def load(path: str) -> Any:  # noqa: ANN401 - rasa's TrainingData, imported lazily
    """Rasa's own loader for one file or a folder of NLU data."""
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_dict(training_data_paths=[path])
    return importer.get_nlu_data()


def labelled(data: Any) -> list[tuple[str, str]]:  # noqa: ANN401
    """(text, intent) of every example that has both; retrieval intents keep their full name."""
    pairs = []
    for message in data.intent_examples:
        text = message.get("text")
        intent = message.get("intent_response_key") or message.get("intent")
        if text and intent:
            pairs.append((text, intent))
    return pairs


def train(config: str, nlu_file: str, out_dir: Path, name: str) -> tuple[str, float]:
    from rasa.model_training import train_nlu

    started = time.perf_counter()
    model = train_nlu(config=config, nlu_data=nlu_file, output=str(out_dir), fixed_model_name=name)
    if not model:
        raise SystemExit(f"training on {nlu_file} failed")
    return str(model), time.perf_counter() - started


def predict(model: str, pairs: list[tuple[str, str]]) -> tuple[list[dict[str, Any]], float]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)

    async def parse_all() -> list[dict[str, Any]]:
        rows = []
        for text, gold in pairs:
            parsed = await agent.parse_message(text)
            ranking = parsed.get("intent_ranking") or []
            intent = parsed.get("intent") or {}
            predicted = intent.get("name")
            selector = (parsed.get("response_selector") or {}).get(predicted or "", {})
            full = ((selector.get("response") or {}).get("intent_response_key")) if selector else None
            rows.append(
                {
                    "text": text,
                    "gold": gold,
                    "predicted": full or predicted,
                    "confidence": intent.get("confidence"),
                    "runner_up": ranking[1]["name"] if len(ranking) > 1 else None,
                }
            )
        return rows

    started = time.perf_counter()
    rows = asyncio.run(parse_all())
    return rows, time.perf_counter() - started


def folds_of(data: Any, k: int, seed: int) -> list[list[Any]]:  # noqa: ANN401
    """Stratified folds: each intent's examples shuffled with `seed` and dealt round-robin."""
    by_intent: dict[str, list[Any]] = defaultdict(list)
    for message in data.intent_examples:
        by_intent[message.get("intent")].append(message)
    folds: list[list[Any]] = [[] for _ in range(k)]
    rng = random.Random(seed)
    for intent in sorted(by_intent):
        examples = sorted(by_intent[intent], key=lambda m: m.get("text"))
        rng.shuffle(examples)
        for n, message in enumerate(examples):
            folds[n % k].append(message)
    return folds


def write_training_file(data: Any, examples: list[Any], path: Path) -> None:  # noqa: ANN401
    """The fold's examples with all of the data's regexes, lookups and synonyms, as Rasa YAML."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.training_data import TrainingData

    fold = TrainingData(
        training_examples=examples,
        entity_synonyms=data.entity_synonyms,
        regex_features=data.regex_features,
        lookup_tables=data.lookup_tables,
    )
    path.write_text(RasaYAMLWriter().dumps(fold), encoding="utf-8")


def score_model(model: str, tests: list[str], pairs_file: str | None) -> list[dict[str, Any]]:
    """One run per test file (and one for the pairs), all parsed by the model loaded once."""
    sources = [(test, labelled(load(test))) for test in tests]
    if pairs_file:
        pairs = json.loads(Path(pairs_file).read_text(encoding="utf-8"))
        sources.append(("pairs", [(str(text), str(intent)) for text, intent in pairs]))
    everything = [pair for _, pairs in sources for pair in pairs]
    rows, parse_seconds = predict(model, everything) if everything else ([], 0.0)
    runs, start = [], 0
    for source, pairs in sources:
        share = parse_seconds * len(pairs) / max(len(everything), 1)
        runs.append(
            {"fold": None, "source": source, "train_seconds": 0.0, "parse_seconds": share,
             "predictions": rows[start : start + len(pairs)]}
        )  # fmt: skip
        start += len(pairs)
    return runs


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config")
    parser.add_argument("--work")
    parser.add_argument("--out", required=True)
    parser.add_argument("--train")
    parser.add_argument("--test", action="append", default=[])
    parser.add_argument("--cv")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--model")
    parser.add_argument("--pairs")
    args = parser.parse_args(argv)
    # Like the `rasa` command: custom components (bot.components…) import from the project root.
    sys.path.insert(1, os.getcwd())
    if args.model:
        if not (args.test or args.pairs):
            parser.error("give --test and/or --pairs to score --model on")
        runs = score_model(args.model, args.test, args.pairs)
        Path(args.out).write_text(json.dumps({"runs": runs}, ensure_ascii=False), encoding="utf-8")
        return 0
    if not (args.config and args.work):
        parser.error("give --config and --work (or --model)")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)

    runs: list[dict[str, Any]] = []
    if args.cv:
        data = load(args.cv)
        folds = folds_of(data, args.folds, args.seed)
        for n, held_out in enumerate(folds):
            rest = [m for i, fold in enumerate(folds) if i != n for m in fold]
            train_file = work / f"fold{n}-train.yml"
            write_training_file(data, rest, train_file)
            model, seconds = train(args.config, str(train_file), work, f"fold{n}")
            pairs = [(m.get("text"), m.get("intent_response_key") or m.get("intent")) for m in held_out]
            rows, parse_seconds = predict(model, pairs)
            runs.append({"fold": n, "train_seconds": seconds, "parse_seconds": parse_seconds, "predictions": rows})
            print(f"fold {n + 1}/{args.folds}: trained in {seconds:.0f}s", file=sys.stderr, flush=True)
    else:
        if not (args.train and len(args.test) == 1):
            parser.error("give --train and one --test, or --cv")
        pairs = labelled(load(args.test[0]))
        if not pairs:
            raise SystemExit(f"{args.test[0]} has no labelled examples")
        model, seconds = train(args.config, args.train, work, "eval")
        rows, parse_seconds = predict(model, pairs)
        runs.append({"fold": None, "train_seconds": seconds, "parse_seconds": parse_seconds, "predictions": rows})
    Path(args.out).write_text(json.dumps({"runs": runs}, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
