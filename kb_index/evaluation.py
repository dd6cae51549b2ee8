"""`kefu kb eval`: measure the retriever on anyone's data (KB.jsonl + Q.jsonl), not on a fixture."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from kb_index.encoder import Encoder
from kb_index.errors import KnowledgeFileError
from kb_index.knowledge import LANGUAGES, KnowledgeEntry
from kb_index.search import KnowledgeSearcher


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


def evaluate(
    entries: list[KnowledgeEntry],
    queries: list[Query],
    encoder: Encoder,
    threshold: float,
    progress: Callable[[int], None] | None = None,
) -> EvalReport:
    searcher = KnowledgeSearcher.build(entries, encoder, threshold)
    known = set(searcher.entries)
    unknown = sorted({q.expected_id for q in queries if q.expected_id and q.expected_id not in known})
    if unknown:
        raise KnowledgeFileError([f"queries expect ids missing from the KB: {', '.join(unknown[:10])}"])
    latencies, top1, recall5, rr = [], 0, 0, 0.0
    abstained_right = abstained = should_abstain = 0
    for i, query in enumerate(queries):
        started = time.perf_counter()
        result = searcher.search(query.text, k=5)
        latencies.append((time.perf_counter() - started) * 1000)
        ids = [hit.entry.id for hit in result.hits]
        no_answer = result.decision == "no_answer"
        abstained += no_answer
        if query.expected_id is None:
            should_abstain += 1
            abstained_right += no_answer
        else:
            top1 += bool(ids) and ids[0] == query.expected_id
            recall5 += query.expected_id in ids
            rr += 1 / (ids.index(query.expected_id) + 1) if query.expected_id in ids else 0.0
        if progress:
            progress(i + 1)
    answerable = len(queries) - should_abstain
    latencies.sort()
    return EvalReport(
        queries=len(queries),
        answerable=answerable,
        top1=round(top1 / answerable, 4) if answerable else 0.0,
        recall_at_5=round(recall5 / answerable, 4) if answerable else 0.0,
        mrr=round(rr / answerable, 4) if answerable else 0.0,
        no_answer_precision=round(abstained_right / abstained, 4) if abstained else 0.0,
        no_answer_recall=round(abstained_right / should_abstain, 4) if should_abstain else 0.0,
        p50_ms=round(latencies[len(latencies) // 2], 3),
        p99_ms=round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 3),
        threshold=threshold,
    )
