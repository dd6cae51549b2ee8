"""`kefu kb eval`: measure the retriever on anyone's data (KB.jsonl + Q.jsonl), not on a fixture."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from kb_index.encoder import Encoder
from kb_index.errors import KnowledgeFileError
from kb_index.knowledge import LANGUAGES, KnowledgeEntry
from kb_index.search import DEFAULT_HYBRID_WEIGHT, KnowledgeSearcher


@dataclass(frozen=True)
class Query:
    text: str
    expected_id: str | None


@dataclass(frozen=True)
class EvalReport:
    queries: int
    answerable: int
    top1: float
    recall_at_5: float
    mrr: float
    no_answer_precision: float
    no_answer_recall: float
    p50_ms: float
    p99_ms: float
    threshold: float
    # 95 % bootstrap intervals of the figures above (issue #18): key → [low, high].
    ci: dict[str, list[float]] = field(default_factory=dict)
    # With `--per-entry`: each expected entry's queries and hits, weakest first.
    per_entry: list[dict] | None = None

    def to_json(self) -> str:
        payload = asdict(self)
        if self.per_entry is None:
            del payload["per_entry"]
        return json.dumps(payload, ensure_ascii=False)


def _read_jsonl(path: Path) -> list[tuple[int, dict]]:
    rows, problems = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            problems.append(f"{path}:{number}: not valid JSON ({exc.msg})")
            continue
        if not isinstance(row, dict):
            problems.append(f"{path}:{number}: expected a JSON object")
            continue
        rows.append((number, row))
    if problems:
        raise KnowledgeFileError(problems)
    return rows


def load_kb_jsonl(path: Path) -> list[KnowledgeEntry]:
    """Lines `{"id", "lang", "questions", "answer"}`; lines sharing an id merge their languages."""
    merged: dict[str, dict] = {}
    problems: list[str] = []
    for number, row in _read_jsonl(path):
        where = f"{path}:{number}"
        entry_id, lang, questions, answer = row.get("id"), row.get("lang"), row.get("questions"), row.get("answer")
        if not isinstance(entry_id, str) or not entry_id:
            problems.append(f"{where}: 'id' must be non-empty text")
            continue
        if lang not in LANGUAGES:
            problems.append(f"{where}: 'lang' must be one of {', '.join(LANGUAGES)}")
            continue
        if not isinstance(questions, list) or not questions or not all(isinstance(q, str) and q.strip() for q in questions):
            problems.append(f"{where}: 'questions' must be a non-empty list of text")
            continue
        if not isinstance(answer, str):
            problems.append(f"{where}: 'answer' must be text")
            continue
        slot = merged.setdefault(entry_id, {"questions": {}, "answer": {}, "source": where})
        slot["questions"].setdefault(lang, []).extend(q.strip() for q in questions)
        slot["answer"][lang] = answer
    if problems:
        raise KnowledgeFileError(problems)
    if not merged:
        raise KnowledgeFileError([f"{path}: no entries"])
    return [
        KnowledgeEntry(id=i, category="eval", questions=v["questions"], answer=v["answer"], source=v["source"])
        for i, v in merged.items()
    ]


def load_queries(path: Path) -> list[Query]:
    queries, problems = [], []
    for number, row in _read_jsonl(path):
        text, expected = row.get("text"), row.get("expected_id")
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{path}:{number}: 'text' must be non-empty text")
        elif expected is not None and not isinstance(expected, str):
            problems.append(f"{path}:{number}: 'expected_id' must be text or null")
        else:
            queries.append(Query(text, expected))
    if problems:
        raise KnowledgeFileError(problems)
    if not queries:
        raise KnowledgeFileError([f"{path}: no queries"])
    return queries


@dataclass(frozen=True)
class Outcome:
    """One query's ranked entry ids with their scores, and how long the search took."""

    query: Query
    ranked: list[tuple[str, float]]
    latency_ms: float

    @property
    def best_score(self) -> float:
        return self.ranked[0][1] if self.ranked else float("-inf")


def run_queries(
    search: Callable[[str], list[tuple[str, float]]],
    queries: list[Query],
    progress: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Time `search` (text → ranked (id, score), best first) on every query.

    Any ranker fits, so the benchmark scores BM25 and Rasa's ResponseSelector exactly like kefu.
    """
    outcomes = []
    for i, query in enumerate(queries):
        started = time.perf_counter()
        ranked = search(query.text)
        outcomes.append(Outcome(query, ranked, (time.perf_counter() - started) * 1000))
        if progress:
            progress(i + 1)
    return outcomes


BOOTSTRAP_SAMPLES = 1000


@dataclass(frozen=True)
class QueryMarks:
    """Per query, what the figures count: 0/1 arrays (reciprocal rank for `rr`)."""

    answerable: np.ndarray
    top1: np.ndarray
    recall5: np.ndarray
    rr: np.ndarray
    abstained: np.ndarray

    @classmethod
    def of(cls, outcomes: list[Outcome], threshold: float) -> QueryMarks:
        answerable, top1, recall5, rr, abstained = [], [], [], [], []
        for outcome in outcomes:
            ids = [entry_id for entry_id, _ in outcome.ranked[:5]]
            expected = outcome.query.expected_id
            answerable.append(expected is not None)
            top1.append(bool(ids) and expected is not None and ids[0] == expected)
            recall5.append(expected is not None and expected in ids)
            rr.append(1 / (ids.index(expected) + 1) if expected is not None and expected in ids else 0.0)
            abstained.append(not outcome.ranked or outcome.best_score < threshold)
        return cls(*(np.asarray(a, dtype=np.float64) for a in (answerable, top1, recall5, rr, abstained)))

    def figures(self, pick: np.ndarray) -> dict[str, np.ndarray]:
        """Every figure for each resample (rows of `pick`: query indices); NaN where undefined."""
        a, ab = self.answerable[pick], self.abstained[pick]
        n_a = a.sum(axis=1)
        should = (1 - a).sum(axis=1)
        right_abstain = ((1 - a) * ab).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return {
                "top1": self.top1[pick].sum(axis=1) / n_a,
                "recall_at_5": self.recall5[pick].sum(axis=1) / n_a,
                "mrr": self.rr[pick].sum(axis=1) / n_a,
                "no_answer_precision": right_abstain / ab.sum(axis=1),
                "no_answer_recall": right_abstain / should,
            }


def bootstrap_ci(
    figures: Callable[[np.ndarray], dict[str, np.ndarray]], n: int, samples: int = BOOTSTRAP_SAMPLES, seed: int = 0
) -> dict[str, list[float]]:
    """95 % percentile-bootstrap intervals: the queries resampled with replacement `samples` times."""
    if n == 0:
        return {}
    rng = np.random.default_rng(seed)
    found: dict[str, list[np.ndarray]] = {}
    for start in range(0, samples, 200):
        pick = rng.integers(0, n, size=(min(200, samples - start), n))
        for key, values in figures(pick).items():
            found.setdefault(key, []).append(values)
    intervals = {}
    for key, parts in found.items():
        values = np.concatenate(parts)
        values = values[np.isfinite(values)]
        if len(values):
            intervals[key] = [round(float(np.percentile(values, 2.5)), 4), round(float(np.percentile(values, 97.5)), 4)]
    return intervals


def per_entry(outcomes: list[Outcome]) -> list[dict]:
    """Each expected entry: its queries, top-1 and recall@5 (with bootstrap intervals), what it was
    mistaken for most often; weakest first, so a trainer knows what to fix first."""
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        if outcome.query.expected_id is not None:
            groups.setdefault(outcome.query.expected_id, []).append(outcome)
    rows = []
    for entry_id, group in groups.items():
        top1 = np.asarray([bool(o.ranked) and o.ranked[0][0] == entry_id for o in group], dtype=np.float64)
        recall5 = np.asarray([entry_id in [i for i, _ in o.ranked[:5]] for o in group], dtype=np.float64)
        wrong = [o.ranked[0][0] for o in group if o.ranked and o.ranked[0][0] != entry_id]
        mistaken = max(set(wrong), key=wrong.count) if wrong else None
        ci = bootstrap_ci(lambda pick, t=top1: {"top1": t[pick].mean(axis=1)}, len(group), samples=400)
        rows.append({
            "id": entry_id, "queries": len(group), "top1": round(float(top1.mean()), 4),
            "top1_ci": ci.get("top1"), "recall_at_5": round(float(recall5.mean()), 4),
            "mistaken_for": mistaken, "misses": [o.query.text for o in group if not o.ranked or o.ranked[0][0] != entry_id][:3],
        })  # fmt: skip
    return sorted(rows, key=lambda r: (r["top1"], r["recall_at_5"], -r["queries"], r["id"]))


def score(outcomes: list[Outcome], threshold: float) -> EvalReport:
    """The eval contract's figures, the decision being `answer` iff the best score ≥ `threshold`."""
    top1 = recall5 = 0
    rr = 0.0
    abstained_right = abstained = should_abstain = 0
    for outcome in outcomes:
        ids = [entry_id for entry_id, _ in outcome.ranked[:5]]
        expected = outcome.query.expected_id
        no_answer = not outcome.ranked or outcome.best_score < threshold
        abstained += no_answer
        if expected is None:
            should_abstain += 1
            abstained_right += no_answer
        else:
            top1 += bool(ids) and ids[0] == expected
            recall5 += expected in ids
            rr += 1 / (ids.index(expected) + 1) if expected in ids else 0.0
    answerable = len(outcomes) - should_abstain
    latencies = sorted(o.latency_ms for o in outcomes)
    return EvalReport(
        queries=len(outcomes),
        answerable=answerable,
        top1=round(top1 / answerable, 4) if answerable else 0.0,
        recall_at_5=round(recall5 / answerable, 4) if answerable else 0.0,
        mrr=round(rr / answerable, 4) if answerable else 0.0,
        no_answer_precision=round(abstained_right / abstained, 4) if abstained else 0.0,
        no_answer_recall=round(abstained_right / should_abstain, 4) if should_abstain else 0.0,
        p50_ms=round(percentile(latencies, 50), 3) if latencies else 0.0,
        p99_ms=round(percentile(latencies, 99), 3) if latencies else 0.0,
        threshold=threshold,
        ci=bootstrap_ci(QueryMarks.of(outcomes, threshold).figures, len(outcomes)),
    )


def calibrate(groups: list[list[Outcome]], wrong_cost: float = 2.0) -> float:
    """The abstain threshold that maximises the value of the decisions on development outcomes.

    A right answer is worth 1, an abstention 0 (a person answers instead), a wrong answer (the
    wrong entry, or any answer to a question nobody should answer) costs `wrong_cost`: a wrong
    confident answer is worse than handing over. Each group (a data set) counts equally, whatever
    its size. The threshold returned sits halfway between the best cut and the next lower score.
    """
    scored = []
    for outcomes in groups:
        best = np.asarray([o.best_score for o in outcomes], dtype=np.float64)
        right = np.asarray([bool(o.ranked) and o.ranked[0][0] == o.query.expected_id for o in outcomes])
        scored.append((best, np.where(right, 1.0, -wrong_cost), len(outcomes)))
    candidates = np.unique(np.concatenate([best[np.isfinite(best)] for best, _, _ in scored]))
    if not len(candidates):
        return 0.0
    cuts = np.append(candidates, np.inf)  # the last cut answers nothing
    value = np.zeros(len(cuts))
    for best, gain, size in scored:
        order = np.argsort(-best)
        gains = np.concatenate([[0.0], np.cumsum(gain[order])])
        answered = np.searchsorted(-best[order], -cuts, side="right")  # how many have best ≥ cut
        value += gains[answered] / max(size, 1)
    i = int(np.argmax(value))
    if i == len(cuts) - 1:
        return float(candidates[-1]) + 1e-3
    lower = candidates[i - 1] if i > 0 else candidates[i] - 0.02
    return round(float((candidates[i] + lower) / 2), 4)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * q / 100))]


def check_expected_ids(entries: list[KnowledgeEntry], queries: list[Query]) -> None:
    known = {e.id for e in entries}
    unknown = sorted({q.expected_id for q in queries if q.expected_id and q.expected_id not in known})
    if unknown:
        raise KnowledgeFileError([f"queries expect ids missing from the KB: {', '.join(unknown[:10])}"])


def searcher_ranking(searcher: KnowledgeSearcher, k: int = 5) -> Callable[[str], list[tuple[str, float]]]:
    """kefu's search as a ranker: the same hits, scores and order the bot sees."""

    def rank(text: str) -> list[tuple[str, float]]:
        return [(hit.entry.id, hit.score) for hit in searcher.search(text, k=k).hits]

    return rank


def evaluate(
    entries: list[KnowledgeEntry],
    queries: list[Query],
    encoder: Encoder,
    threshold: float,
    progress: Callable[[int], None] | None = None,
    hybrid_weight: float = DEFAULT_HYBRID_WEIGHT,
    calibrate_threshold: bool = False,
    entries_view: bool = False,
) -> EvalReport:
    """Build a temporary index of `entries` with `encoder`, search every query, score the results.

    With `calibrate_threshold`, the threshold is the one `calibrate` picks on these queries;
    with `entries_view`, the report has the per-entry view (weakest first).
    """
    check_expected_ids(entries, queries)
    searcher = KnowledgeSearcher.build(entries, encoder, threshold, hybrid_weight=hybrid_weight)
    searcher.search("warm up")  # jieba's dictionary, BM25 and OpenCC load on the first search: not a query's time
    outcomes = run_queries(searcher_ranking(searcher), queries, progress)
    report = score(outcomes, calibrate([outcomes]) if calibrate_threshold else threshold)
    return replace(report, per_entry=per_entry(outcomes)) if entries_view else report
