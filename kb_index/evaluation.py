"""`kefu kb eval`: measure the retriever on anyone's data (KB.jsonl + Q.jsonl), not on a fixture."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
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

    def to_json(self) -> str:
        return json.dumps(asdict(self))


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
) -> EvalReport:
    """Build a temporary index of `entries` with `encoder`, search every query, score the results.

    With `calibrate_threshold`, the threshold is the one `calibrate` picks on these queries.
    """
    check_expected_ids(entries, queries)
    searcher = KnowledgeSearcher.build(entries, encoder, threshold, hybrid_weight=hybrid_weight)
    outcomes = run_queries(searcher_ranking(searcher), queries, progress)
    return score(outcomes, calibrate([outcomes]) if calibrate_threshold else threshold)
