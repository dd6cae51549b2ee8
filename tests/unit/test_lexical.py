"""BM25 over jieba words (Chinese) and plain words (English)."""

from __future__ import annotations

from kb_index.lexical import LexicalIndex, tokenize


def test_chinese_is_cut_into_words_and_filler_words_are_dropped() -> None:
    tokens = tokenize("请问双十一的东西多久能发货呢？")

    assert {"多久", "发货"} <= set(tokens)
    assert not {"请问", "的", "呢", "？"} & set(tokens)


def test_english_is_lowercased_words_without_stopwords() -> None:
    assert tokenize("How long does SHIPPING take?") == ["how", "long", "shipping", "take"]


def test_mixed_language_keeps_both_sides() -> None:
    assert {"xl", "尺码"} <= set(tokenize("这件有XL尺码吗"))


def test_scores_are_per_key_from_the_best_phrasing() -> None:
    index = LexicalIndex(
        ["什么时候发货", "多久能发货", "有优惠券吗", "how long does shipping take"],
        ["shipping", "shipping", "coupon", "shipping"],
    )

    assert [key for key, _ in index.search("发货要多久", 5)] == ["shipping"]
    assert index.search("coupon 优惠券", 5)[0][0] == "coupon"
    assert index.scores("明天天气") == {}
    assert index.scores("的 吗") == {}  # nothing but filler words
