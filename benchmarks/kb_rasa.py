"""Rasa's ResponseSelector as a baseline: trained with .venv-rasa on a suite's train phrasings.

Each entry becomes a retrieval intent `faq/<entry id>`; the pipeline is Rasa's documented one for
FAQ retrieval (word and char_wb 1–4-gram count vectors, ResponseSelector), with JiebaTokenizer for
Chinese. Trained models are kept in var/bench/rasa/ under a digest of their data and config, so a
rerun with the same data skips training.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import yaml

from benchmarks.kb_data import ROOT, Suite
from kb_index.evaluation import Outcome, Query

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
MODELS = ROOT / "var" / "bench" / "rasa"
EPOCHS = 100


def _config(lang: str) -> dict:
    tokenizer = {"name": "JiebaTokenizer"} if lang == "zh" else {"name": "WhitespaceTokenizer"}
    return {
        "recipe": "default.v1",
        "language": lang,
        "assistant_id": "kefu-bench",
        "pipeline": [
            tokenizer,
            {"name": "CountVectorsFeaturizer"},
            {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
            {"name": "ResponseSelector", "epochs": EPOCHS, "retrieval_intent": "faq", "random_seed": 13},
        ],
        "policies": [],
    }


def _files(suite: Suite) -> dict[str, str]:
    examples = suite.rasa_examples()
    nlu = {
        "version": "3.1",
        "nlu": [
            {"intent": f"faq/{entry_id}", "examples": "".join(f"- {_one_line(t)}\n" for t in texts)}
            for entry_id, texts in examples.items()
        ],
    }
    answers = {e.id: e.answer_in(suite.lang) for e in suite.entries if e.id in examples}
    domain = {
        "version": "3.1",
        "intents": ["faq"],
        "responses": {f"utter_faq/{entry_id}": [{"text": text}] for entry_id, text in answers.items()},
    }
    dump = lambda data: yaml.safe_dump(data, allow_unicode=True, sort_keys=False)  # noqa: E731
    return {"config.yml": dump(_config(suite.lang)), "nlu.yml": dump(nlu), "domain.yml": dump(domain)}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def train(suite: Suite) -> tuple[Path, float | None]:
    """The trained model's path and the training time in seconds (None when it was reused)."""
    files = _files(suite)
    digest = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]
    model = MODELS / f"{suite.name}-{digest}.tar.gz"
    if model.exists():
        return model, None
    MODELS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in files.items():
            Path(tmp, name).write_text(text, encoding="utf-8")
        started = time.perf_counter()
        subprocess.run(
            [
                str(RASA_PYTHON), "-m", "rasa", "train", "nlu",
                "--config", f"{tmp}/config.yml", "--nlu", f"{tmp}/nlu.yml", "--domain", f"{tmp}/domain.yml",
                "--out", str(MODELS), "--fixed-model-name", model.name.removesuffix(".tar.gz"),
            ],
            check=True, cwd=tmp, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        return model, time.perf_counter() - started


def rank(model: Path, queries: list[Query]) -> list[Outcome]:
    """Every query through the trained model, as eval outcomes (Rasa's own parse latency)."""
    with tempfile.TemporaryDirectory() as tmp:
        texts, out = Path(tmp, "texts.json"), Path(tmp, "out.json")
        texts.write_text(json.dumps([q.text for q in queries], ensure_ascii=False), encoding="utf-8")
        subprocess.run(
            [str(RASA_PYTHON), str(ROOT / "benchmarks" / "rasa_ranker.py"), str(model), str(texts), str(out)],
            check=True, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        results = json.loads(out.read_text(encoding="utf-8"))
    return [
        Outcome(query, [(entry_id, score) for entry_id, score in r["ranked"]], r["latency_ms"])
        for query, r in zip(queries, results, strict=True)
    ]


def available() -> bool:
    return RASA_PYTHON.exists()


def _env() -> dict[str, str]:
    # One thread each, like everything else on the 2-core machine; no telemetry, no network.
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "RASA_TELEMETRY_ENABLED": "false", "OMP_NUM_THREADS": "1",
            "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}
