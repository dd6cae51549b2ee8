"""FAISS index over question phrasings, persisted with a manifest so a stale index is never used."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np

from kb_index.errors import KnowledgeError

# Below this many rows an exact inner-product search is fast enough and has perfect recall.
EXACT_LIMIT = 50_000
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class Manifest:
    """What the index was built from; any difference from the current setup means rebuild."""

    model: str
    dimension: int
    content_hash: str
    kind: str
    rows: int
    version: int = MANIFEST_VERSION


class FaissIndex:
    """Normalised vectors with inner product; row i belongs to entry `row_ids[i]`."""

    def __init__(self, index: faiss.Index, row_ids: list[str], manifest: Manifest) -> None:
        self._index = index
        self.row_ids = row_ids
        self.manifest = manifest

    @classmethod
    def build(cls, vectors: np.ndarray, row_ids: list[str], model: str, content_hash: str) -> FaissIndex:
        if len(vectors) != len(row_ids):
            raise KnowledgeError(f"{len(vectors)} vectors for {len(row_ids)} rows")
        dimension = int(vectors.shape[1])
        if len(vectors) < EXACT_LIMIT:
            kind, index = "flat", faiss.IndexFlatIP(dimension)
        else:
            kind, index = "hnsw", faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efSearch = 128
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        manifest = Manifest(model=model, dimension=dimension, content_hash=content_hash, kind=kind, rows=len(row_ids))
        return cls(index, list(row_ids), manifest)

    def search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The `k` nearest rows as (entry id, cosine score), best first."""
        if self._index.ntotal == 0:
            return []
        scores, rows = self._index.search(np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32), k)
        return [(self.row_ids[r], float(s)) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self._index, str(directory / "index.faiss"))
        (directory / "rows.json").write_text(json.dumps(self.row_ids, ensure_ascii=False))
        # The manifest goes last: a crash mid-save leaves no manifest, so the index is rebuilt.
        (directory / "manifest.json").write_text(json.dumps(asdict(self.manifest), indent=2))

    @classmethod
    def load(cls, directory: Path, expected: Manifest) -> FaissIndex | None:
        """The saved index if it matches `expected` (kind and rows aside), else None."""
        try:
            saved = Manifest(**json.loads((directory / "manifest.json").read_text()))
            row_ids = json.loads((directory / "rows.json").read_text())
            index = faiss.read_index(str(directory / "index.faiss"))
        except (OSError, ValueError, TypeError, RuntimeError):
            return None
        same = (saved.model, saved.dimension, saved.content_hash, saved.version) == (
            expected.model,
            expected.dimension,
            expected.content_hash,
            expected.version,
        )
        if not same or index.ntotal != len(row_ids) or saved.rows != len(row_ids):
            return None
        return cls(index, row_ids, saved)
