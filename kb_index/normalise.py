"""Text normalisation before encoding and BM25 (issue #18): the same question typed differently
should reach the same vector.

- full-width letters, digits and punctuation fold to half-width (NFKC), case is kept;
- traditional Chinese becomes simplified (OpenCC's `t2s`, the maintained converter; a store's
  Hong Kong or Taiwan shoppers then match phrasings written in simplified characters);
- emoji and other pictographs are dropped (a message of emoji only is kept as it was);
- runs of the same punctuation collapse to one ("？？？" → "?", "!!!" → "!", "~~~" → "~");
- a few common typing variants of shopping chat: 咋/肿么 → 怎么, 啥/神马 → 什么, 木有 → 没有, and
  a bare 发 at the end of a question → 发货 ("能当天发吗" → "能当天发货吗").

`VERSION` is part of every entry's fingerprint in the index: changing the rules re-encodes.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import cache
from typing import Any

VERSION = "n1"

_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f900-\U0001f9ff\U00002b00-\U00002bff\ufe0f\u200d\u20e3]+"
)
_REPEATED = re.compile(r"([!?.,~～。，、…;:])\1+")
_VARIANTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"咋|肿么"), "怎么"),
    (re.compile(r"啥|神马"), "什么"),
    (re.compile(r"木有"), "没有"),
    (re.compile(r"(?<![发出开沙打])发(?=了?(?:[吗么嘛呢吧呀啊?!.,]|$))"), "发货"),
]
_CJK = re.compile(r"[\u3400-\u9fff]")
_lock = threading.Lock()


@cache
def _converter() -> Any:  # noqa: ANN401 - an opencc.OpenCC, loaded on first use
    import opencc

    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """The text as it is encoded and matched; never empty when `text` was not."""
    folded = unicodedata.normalize("NFKC", text)
    if _CJK.search(folded):
        with _lock:  # the converter is not documented as thread-safe
            folded = _converter().convert(folded)
        for pattern, replacement in _VARIANTS:
            folded = pattern.sub(replacement, folded)
    stripped = _EMOJI.sub("", folded)
    if stripped.strip():
        folded = stripped
    folded = _REPEATED.sub(r"\1", folded)
    return re.sub(r"\s+", " ", folded).strip() or text.strip()
