"""Which language a shopper writes in."""

from __future__ import annotations

import pytest

from kb_index.language import detect_language


@pytest.mark.parametrize("text", ["什么时候发货", "有優惠券嗎", "亲，在吗？"])
def test_chinese_is_zh(text: str) -> None:
    assert detect_language(text) == "zh"
    assert detect_language(text, default="en") == "zh"


@pytest.mark.parametrize("text", ["how long does shipping take?", "Hi", "ok"])
def test_english_is_en(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize("text", ["这个有XL吗", "XL有货吗", "order O20261111002 什么时候到"])
def test_any_chinese_in_a_mixed_message_is_zh(text: str) -> None:
    assert detect_language(text, default="en") == "zh"


@pytest.mark.parametrize("text", ["12345", "😊👍", "？！", "", "  "])
def test_without_letters_the_default_is_kept(text: str) -> None:
    assert detect_language(text) == "zh"
    assert detect_language(text, default="en") == "en"
