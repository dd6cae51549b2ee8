"""The knowledge-base benchmark's own code, on small sizes (the full run is `make bench-kb`)."""

from __future__ import annotations

import numpy as np

from benchmarks.kb_data import all_suites, bitext_suite
from benchmarks.kb_speed import measure_size, synthetic_rows


def test_held_out_queries_are_not_phrasings_of_the_knowledge_base() -> None:
    suite = bitext_suite()
    phrasings = {q for e in suite.entries for q in e.all_questions()}

    assert len(suite.entries) == 27
    assert not phrasings & {q.text for q in suite.dev + suite.test if q.expected_id}
    assert {q.text for q in suite.dev}.isdisjoint(q.text for q in suite.test)


def test_every_suite_has_answerable_and_no_answer_queries_for_known_entries() -> None:
    for suite in all_suites():
        ids = {e.id for e in suite.entries}
        for split in (suite.dev, suite.test):
            expected = {q.expected_id for q in split}
            assert None in expected and len(expected) > 10, suite.name
            assert expected - {None} <= ids, (suite.name, sorted(expected - {None} - ids))


def test_chinese_set_has_at_least_100_queries_with_no_answer_ones_in_test() -> None:
    zh = next(s for s in all_suites() if s.name == "demo-zh")
    handwritten = [q for q in zh.dev + zh.test if not q.text.isascii()]

    assert len(handwritten) >= 100
    assert any(q.expected_id is None for q in zh.test)


def test_speed_measurement_reports_exact_and_approximate_figures() -> None:
    rng = np.random.default_rng(0)
    base = rng.standard_normal((200, 32)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    vectors = synthetic_rows(base, 3000)
    queries = synthetic_rows(base, 20, seed=1)

    result = measure_size(3000, vectors, queries, query_ms=[(1.0, 1.0)] * 20)

    assert result["auto_kind"] == "flat" and result["entries"] == 600
    assert result["exact"]["search_p50_ms"] > 0 and result["ivf"]["nprobe"] >= 8
    assert 0.8 <= result["ivf"]["recall_at_10"] <= 1.0
    assert result["encode_plus_search_p50_ms"] >= 1.0 and result["encode_plus_search_cpu_p50_ms"] >= 1.0
