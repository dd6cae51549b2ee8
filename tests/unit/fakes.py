"""Test doubles at kb_index's one seam, the Encoder protocol."""

from __future__ import annotations

import hashlib

import numpy as np


class FakeEncoder:
    """Deterministic normalised vectors: chosen ones for named texts, pseudo-random for the rest.

    Pseudo-random vectors in 64 dimensions are nearly orthogonal (|cosine| ≈ 0.1), so an unknown
    text never clears a realistic threshold, and the same text always scores 1.0 against itself.
    """

    def __init__(self, name: str = "fake-encoder", dimension: int = 64, vectors: dict[str, list[float]] | None = None):
        self.name = name
        self.dimension = dimension
        self._vectors = {text: _unit(np.asarray(v, dtype=np.float32), dimension) for text, v in (vectors or {}).items()}
        self.encoded: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.encoded.extend(texts)
        rows = [self._vectors.get(t, _pseudo_random(t, self.dimension)) for t in texts]
        return np.stack(rows).astype(np.float32) if rows else np.zeros((0, self.dimension), dtype=np.float32)


class RenamedEncoder:
    """Another model name in front of a real encoder (what setting KEFU_KB_MODEL changes)."""

    def __init__(self, inner: object, name: str) -> None:
        self._inner = inner
        self.name = name
        self.dimension = inner.dimension  # type: ignore[attr-defined]

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._inner.encode(texts)  # type: ignore[attr-defined]


def _unit(vector: np.ndarray, dimension: int) -> np.ndarray:
    padded = np.zeros(dimension, dtype=np.float32)
    padded[: len(vector)] = vector
    return padded / np.linalg.norm(padded)


def _pseudo_random(text: str, dimension: int) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    vector = np.random.default_rng(seed).standard_normal(dimension).astype(np.float32)
    return vector / np.linalg.norm(vector)
