"""Grouping similar shopper messages, so a trainer labels "five ways to ask for an invoice" once."""

from __future__ import annotations

import unicodedata

import numpy as np


def normalise_text(text: str) -> str:
    """Full-width folded, lower case, without spaces, punctuation or emoji: "有发票吗？" == "有发票吗"."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in folded if c.isalnum()) or folded.strip()


def group_texts(texts: list[str], vectors: np.ndarray, threshold: float) -> list[list[int]]:
    """Indexes of `texts` in groups, each sorted, groups in order of their first text.

    Texts equal once normalised are one unit first; then, most repeated unit first, each unit joins
    the group whose centroid is most similar (cosine of the encoder's normalised vectors, at least
    `threshold`) or starts a new one. Centroids rather than single links keep chains of
    "a bit like the last one" from gluing unrelated questions together; each distinct phrasing
    counts once in a centroid, so a message sent a hundred times does not pull the centre to itself.
    """
    if len(texts) != len(vectors):
        raise ValueError(f"{len(texts)} texts but {len(vectors)} vectors")
    units: dict[str, list[int]] = {}
    for index, text in enumerate(texts):
        units.setdefault(normalise_text(text), []).append(index)
    ordered = sorted(units.values(), key=lambda members: (-len(members), members[0]))
    vectors = np.asarray(vectors, dtype=np.float32)
    groups: list[list[int]] = []
    sums = np.zeros((len(ordered), vectors.shape[1] if vectors.ndim == 2 else 0), dtype=np.float32)
    for members in ordered:
        vector = vectors[members[0]]
        if groups:
            norms = np.linalg.norm(sums[: len(groups)], axis=1)
            scores = (sums[: len(groups)] @ vector) / np.maximum(norms, 1e-12)
            best = int(np.argmax(scores))
            if scores[best] >= threshold:
                groups[best].extend(members)
                sums[best] += vector
                continue
        sums[len(groups)] = vector
        groups.append(list(members))
    return sorted((sorted(g) for g in groups), key=lambda g: g[0])
