"""The eval contract's figures and the threshold calibration, on outcomes whose answers we know."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb_index.evaluation import Outcome, Query, calibrate, evaluate, load_kb_jsonl, load_queries, score
from tests.unit.fakes import FakeEncoder


def outcome(expected: str | None, ranked: list[tuple[str, float]], latency_ms: float = 1.0) -> Outcome:
    return Outcome(Query("q", expected), ranked, latency_ms)


def test_scores_follow_the_contract_definitions() -> None:
    outcomes = [
        outcome("a", [("a", 0.9), ("b", 0.5)]),  # right, answered
        outcome("b", [("a", 0.8), ("b", 0.7)]),  # second place: recall@5, MRR ½, wrongly answered
        outcome("c", [("a", 0.4)]),  # missed, abstained
        outcome(None, [("a", 0.3)]),  # rightly abstained
        outcome(None, [("b", 0.75)]),  # answered a question nobody should answer
    ]

    report = score(outcomes, threshold=0.6)

    assert (report.answerable, report.top1, report.recall_at_5, report.mrr) == (3, 0.3333, 0.6667, 0.5)
    assert (report.no_answer_precision, report.no_answer_recall) == (0.5, 0.5)  # 2 abstentions, 1 right; 1 of 2


def test_calibration_stops_answering_where_wrong_answers_start_to_cost_more_than_right_ones_earn() -> None:
    outcomes = [
        outcome("a", [("a", 0.9)]),
        outcome("a", [("a", 0.8)]),
        outcome("b", [("a", 0.7)]),  # wrong from here down
        outcome(None, [("a", 0.6)]),
        outcome("a", [("a", 0.5)]),
    ]

    threshold = calibrate([outcomes])

    assert 0.7 < threshold < 0.8
    assert score(outcomes, threshold).no_answer_recall == 1.0


def test_calibration_never_answers_when_every_answer_would_be_wrong() -> None:
    threshold = calibrate([[outcome(None, [("a", 0.9)]), outcome("b", [("a", 0.8)])]])

    assert threshold > 0.9


def test_calibration_weighs_each_data_set_equally_whatever_its_size() -> None:
    # A big set where answering down to 0.5 pays, a small one where everything under 0.8 is wrong.
    big = [outcome("a", [("a", 0.5 + i / 1000)]) for i in range(100)]
    small = [outcome("a", [("a", 0.9)]), outcome(None, [("a", 0.7)]), outcome(None, [("a", 0.65)])]

    assert calibrate([big, small]) == pytest.approx(calibrate([big[:10], small]), abs=0.1)
    assert calibrate([big, small]) > 0.6


def test_evaluate_reads_the_contract_files_and_reports_every_key(tmp_path: Path) -> None:
    kb, queries = tmp_path / "kb.jsonl", tmp_path / "q.jsonl"
    kb.write_text(
        '{"id": "ship", "lang": "en", "questions": ["when do you ship"], "answer": "in 48 hours"}\n'
        '{"id": "ship", "lang": "zh", "questions": ["什么时候发货"], "answer": "48小时内"}\n'
        '{"id": "coupon", "lang": "zh", "questions": ["有优惠券吗"], "answer": "有"}\n',
        encoding="utf-8",
    )
    queries.write_text(
        '{"text": "什么时候发货", "expected_id": "ship"}\n{"text": "有优惠券吗", "expected_id": "coupon"}\n'
        '{"text": "明天天气", "expected_id": null}\n',
        encoding="utf-8",
    )

    report = evaluate(load_kb_jsonl(kb), load_queries(queries), FakeEncoder(), threshold=0.65)

    payload = json.loads(report.to_json())
    assert {"top1", "recall_at_5", "mrr", "no_answer_precision", "no_answer_recall", "p50_ms", "p99_ms"} <= set(payload)
    assert (payload["top1"], payload["no_answer_recall"], payload["no_answer_precision"]) == (1.0, 1.0, 1.0)


# --- the quality report a store can trust (issue #18) ----------------------------------------


def test_every_figure_has_a_bootstrap_interval_around_it() -> None:
    outcomes = [outcome("a", [("a", 0.9)])] * 30 + [outcome("b", [("a", 0.9), ("b", 0.8)])] * 10
    outcomes += [outcome(None, [("a", 0.3)])] * 8 + [outcome(None, [("a", 0.9)])] * 2

    report = score(outcomes, threshold=0.6)

    assert set(report.ci) == {"top1", "recall_at_5", "mrr", "no_answer_precision", "no_answer_recall"}
    for key, (low, high) in report.ci.items():
        assert low <= getattr(report, key) <= high, key
    low, high = report.ci["top1"]
    assert 0.6 < low < 0.75 < high < 0.9  # 30 of 40: about ±0.13
    assert json.loads(report.to_json())["ci"]["top1"] == [low, high]
    assert "per_entry" not in json.loads(report.to_json())


def test_the_per_entry_view_puts_the_weakest_entry_first_with_what_it_is_mistaken_for(tmp_path: Path) -> None:
    from kb_index.evaluation import per_entry

    outcomes = [outcome("a", [("a", 0.9)])] * 5 + [outcome("b", [("a", 0.9)])] * 3 + [outcome("b", [("b", 0.9)])]

    rows = per_entry(outcomes)

    assert [r["id"] for r in rows] == ["b", "a"]
    assert rows[0]["top1"] == 0.25 and rows[0]["mistaken_for"] == "a" and rows[0]["queries"] == 4
    assert rows[1]["top1"] == 1.0 and rows[1]["top1_ci"] == [1.0, 1.0]
