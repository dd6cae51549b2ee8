"""BM25 over question phrasings: jieba words for Chinese, plain words for English.

It is the lexical baseline of the benchmark and the lexical half of hybrid search. It is rebuilt
in memory from the entries whenever a searcher opens (tens of milliseconds for a store's
knowledge base), so it has no files of its own to go stale.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import cache

import numpy as np

_WORD = re.compile(r"\w", re.UNICODE)
# Words that every question shares; scoring them only adds noise to short questions.
_STOPWORDS_ZH = frozenset("的 了 吗 呢 吧 啊 呀 哦 么 嘛 我 你 您 是 在 有 和 就 都 也 还 请问 一下 这个 那个 亲".split())


@cache
def _jieba():  # noqa: ANN202 - the jieba module, imported (and its dictionary loaded) on first use
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@cache
def _stopwords_en() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | {"i", "me", "my", "you", "your", "do", "does", "did", "can", "could", "would"}


def tokenize(text: str) -> list[str]:
    """Search-mode jieba words (finer pieces of long words too); English comes out as whole words."""
    stop_en = _stopwords_en()
    tokens = []
    for token in _jieba().lcut_for_search(text.lower()):
        token = token.strip()
        if not token or not _WORD.search(token) or token in _STOPWORDS_ZH or token in stop_en:
            continue
        tokens.append(token)
    return tokens


class LexicalIndex:
    """BM25 (bm25s) over rows of text, each row belonging to a key; scores come back per key."""

    def __init__(self, texts: Sequence[str], keys: Sequence[str]) -> None:
        import bm25s

        if len(texts) != len(keys):
            raise ValueError(f"{len(texts)} texts for {len(keys)} keys")
        self.keys = list(dict.fromkeys(keys))
        position = {key: i for i, key in enumerate(self.keys)}
        self._row_key = np.asarray([position[k] for k in keys], dtype=np.int64)
        self._bm25 = bm25s.BM25()
        tokenized = [tokenize(t) or ["\u2205"] for t in texts]  # an empty row still needs a token
        if tokenized:
            self._bm25.index(tokenized, show_progress=False)

    def scores(self, text: str) -> dict[str, float]:
        """Every key with a positive score, best phrasing of each key counted."""
        tokens = tokenize(text)
        if not tokens or not len(self._row_key):
            return {}
        row_scores = np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
        best = np.zeros(len(self.keys), dtype=np.float32)
        np.maximum.at(best, self._row_key, row_scores)
        return {self.keys[i]: float(best[i]) for i in np.flatnonzero(best > 0)}

    def search(self, text: str, k: int) -> list[tuple[str, float]]:
        """The `k` best keys by BM25, best first."""
        return sorted(self.scores(text).items(), key=lambda item: -item[1])[:k]
