"""Grouping the review inbox's messages: the same question asked many ways is one group."""

from __future__ import annotations

import numpy as np
import pytest

from handoff_service.training.grouping import group_texts, normalise_text
from handoff_service.settings import Settings


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_the_same_message_with_other_punctuation_or_case_is_one_group_whatever_the_vectors() -> None:
    texts = ["有发票吗？", "Do you ship abroad", "有 发票 吗", "do you ship abroad?!"]
    vectors = np.stack([unit(1, 0, 0), unit(0, 1, 0), unit(0, 0, 1), unit(1, 1, 1)])

    assert group_texts(texts, vectors, threshold=0.99) == [[0, 2], [1, 3]]
    assert normalise_text("ＡＢＣ，有吗？") == normalise_text("abc有吗")


def test_similar_vectors_group_and_distant_ones_stay_apart() -> None:
    texts = ["a", "b", "c", "d"]
    vectors = np.stack([unit(1, 0.1, 0), unit(0, 0, 1), unit(1, 0, 0.1), unit(1, 0.15, 0.05)])

    assert group_texts(texts, vectors, threshold=0.9) == [[0, 2, 3], [1]]
    assert group_texts(texts, vectors, threshold=0.9999) == [[0], [1], [2], [3]]


def test_a_chain_of_slightly_similar_messages_does_not_glue_unrelated_ends_together() -> None:
    # a~b and b~c are at 0.87, but a and c (0.5) are different questions
    a, b, c = unit(1, 0, 0), unit(0.87, 0.49, 0), unit(0.5, 0.87, 0)
    groups = group_texts(["a", "b", "c"], np.stack([a, b, c]), threshold=0.85)

    assert [0, 2] not in groups and not any(len(g) == 3 for g in groups)


def test_a_message_sent_many_times_does_not_pull_its_group_to_itself() -> None:
    x1, y, x2 = unit(np.cos(0.35), np.sin(0.35)), unit(1, 0), unit(np.cos(0.35), -np.sin(0.35))

    # x1 and x2 are each 0.94 from y and 0.77 from each other; y's group centre is y and x1, however often y came
    assert group_texts(["x1", "y", "y", "y", "x2"], np.stack([x1, y, y, y, x2]), threshold=0.9) == [[0, 1, 2, 3], [4]]


def test_no_texts_no_groups_and_mismatched_input_is_refused() -> None:
    assert group_texts([], np.zeros((0, 3), dtype=np.float32), 0.8) == []
    with pytest.raises(ValueError, match="2 texts but 1 vectors"):
        group_texts(["a", "b"], np.zeros((1, 3), dtype=np.float32), 0.8)


INVOICE_ZH = ["能开发票吗", "可以开发票吗？", "怎么开发票", "发票怎么开", "能不能给我开个发票"]
INVOICE_EN = ["can I get an invoice", "please send me an invoice"]
GIFT_WRAP_ZH = ["有礼品包装吗", "能提供礼品包装吗"]
GIFT_WRAP_EN = ["do you offer gift wrapping", "can you gift wrap it"]
STORE = ["你们店在哪里"]
UNRELATED = ["今天天气怎么样", "衣服洗了会缩水吗", "有没有优惠券", "what is the meaning of life", "多久发货", "is this jacket waterproof"]


@pytest.mark.slow
def test_real_phrasings_group_by_meaning_with_the_default_threshold(encoder) -> None:  # noqa: ANN001
    texts = INVOICE_ZH + INVOICE_EN + GIFT_WRAP_ZH + GIFT_WRAP_EN + STORE + UNRELATED + ["能开发票吗!"]
    groups = [[texts[n] for n in g] for g in group_texts(texts, encoder.encode(texts), Settings().review_group_similarity)]

    def group_of(text: str) -> list[str]:
        return next(g for g in groups if text in g)

    assert set(group_of("能开发票吗")) == {*INVOICE_ZH, "能开发票吗!"}
    assert set(group_of("can I get an invoice")) == set(INVOICE_EN)
    assert set(GIFT_WRAP_ZH) <= set(group_of("有礼品包装吗")) and set(GIFT_WRAP_EN) <= set(group_of("can you gift wrap it"))
    for text in UNRELATED + STORE:
        assert group_of(text) == [text], groups
