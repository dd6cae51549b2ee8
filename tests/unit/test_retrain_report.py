"""The retrain report a trainer reads before a new model goes live, from hand-made predictions."""

from __future__ import annotations

import json

from bot_training.nlu_metrics import Prediction
from bot_training.retrain_report import compare


def held_out(wrong: dict[str, str] | None = None) -> list[Prediction]:
    """Ten held-out examples, all right except the texts in `wrong` (text → predicted)."""
    gold = {
        "什么时候发货": "ask_shipping_time",
        "几天能到": "ask_delivery_time",
        "有券吗": "ask_coupon",
        "能开发票吗": "ask_invoice",
        "发票抬头怎么改": "ask_invoice",
        "转人工": "request_human",
        "你好": "greet",
        "谢谢": "thanks",
        "今天天气如何": "out_of_scope",
        "asdfgh": "out_of_scope",
    }
    wrong = wrong or {}
    return [Prediction(text, intent, wrong.get(text, intent)) for text, intent in gold.items()]


def test_a_better_model_is_not_worse_and_its_improved_intent_comes_first() -> None:
    before = held_out({"发票抬头怎么改": "nlu_fallback"})
    after = held_out()

    report = compare(before, after, [], [], "kefu-old.tar.gz", "kefu-new.tar.gz")

    assert report.before is not None and report.after is not None
    assert report.before.accuracy == 0.9 and report.after.accuracy == 1.0
    assert report.after.macro_f1 > report.before.macro_f1
    assert not report.worse
    assert report.per_intent[0].intent == "ask_invoice" and report.per_intent[0].changed
    assert report.per_intent[0].before < report.per_intent[0].after == 1.0
    assert not any(change.changed for change in report.per_intent[1:])
    assert [c.intent for c in report.per_intent[1:]] == sorted(c.intent for c in report.per_intent[1:])


def test_a_model_that_lost_accuracy_is_worse() -> None:
    report = compare(held_out(), held_out({"有券吗": "ask_invoice"}), [], [], "old", "new")

    assert report.worse
    changed = [c.intent for c in report.per_intent if c.changed]
    assert set(changed) == {"ask_coupon", "ask_invoice"}


def test_a_drop_within_the_tolerance_is_not_worse() -> None:
    many = held_out() * 30  # 300 examples: one more mistake costs 0.0033 accuracy
    after = many[:-1] + [Prediction("asdfgh", "out_of_scope", "greet")]

    report = compare(many, after, [], [], "old", "new")

    assert report.after is not None and report.before is not None
    assert 0 < report.before.accuracy - report.after.accuracy < 0.005
    assert not report.worse


def test_fallback_on_an_out_of_scope_example_counts_as_right() -> None:
    after = held_out({"今天天气如何": "nlu_fallback"})

    report = compare(held_out(), after, [], [], "old", "new")

    assert report.after is not None and report.after.accuracy == 1.0 and not report.worse


def test_inbox_messages_are_fixed_still_wrong_broken_or_still_right() -> None:
    inbox_before = [
        Prediction("能帮我开个票不", "ask_invoice", "nlu_fallback", 0.2),
        Prediction("包装成礼物可以吗", "ask_gift_wrap", "ask_product_info", 0.6),
        Prediction("订单改地址", "change_address", "change_address", 0.9),
        Prediction("随便问问", "out_of_scope", "out_of_scope", 0.8),
    ]
    inbox_after = [
        Prediction("能帮我开个票不", "ask_invoice", "ask_invoice", 0.7),
        Prediction("包装成礼物可以吗", "ask_gift_wrap", "nlu_fallback", 0.25),
        Prediction("订单改地址", "change_address", "ask_order_status", 0.5),
        Prediction("随便问问", "out_of_scope", "nlu_fallback", 0.2),
    ]

    report = compare(held_out(), held_out(), inbox_before, inbox_after, "old", "new")

    outcomes = {m.text: m.outcome for m in report.inbox}
    assert outcomes == {
        "能帮我开个票不": "fixed",
        "包装成礼物可以吗": "still_wrong",
        "订单改地址": "broken",
        "随便问问": "still_right",
    }
    assert report.inbox[0].text == "能帮我开个票不"  # what the trainer fixed comes first
    document = report.as_json()
    assert document["inbox_summary"] == {"fixed": 1, "still_wrong": 1, "broken": 1, "still_right": 1}
    first = document["inbox"][0]
    assert (first["before"], first["after"], first["after_confidence"]) == ("nlu_fallback", "ask_invoice", 0.7)


def test_the_report_is_one_json_document_with_the_headline_and_changes() -> None:
    report = compare(held_out({"几天能到": "ask_shipping_time"}), held_out(), [], [], "old.tar.gz", "new.tar.gz")

    document = json.loads(json.dumps(report.as_json(), ensure_ascii=False))

    assert document["model_before"] == "old.tar.gz" and document["model_after"] == "new.tar.gz"
    assert document["before"]["accuracy"] == 0.9 and document["after"]["accuracy"] == 1.0
    assert document["worse"] is False
    assert {row["intent"] for row in document["per_intent"] if row["changed"]} == {"ask_delivery_time", "ask_shipping_time"}


def test_without_held_out_examples_nothing_is_compared_and_nothing_is_worse() -> None:
    report = compare([], [], [], [], "old", "new")

    assert report.before is None and report.after is None and report.per_intent == [] and not report.worse
