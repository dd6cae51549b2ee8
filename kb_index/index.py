"""FAISS index over question phrasings, updated in place and saved with a manifest.

Every phrasing is a row with a stable int64 id; each entry (a *key* here) owns its rows and a
fingerprint of what they were encoded from, so a changed entry is re-encoded alone and the others
are left as they are. Small indexes are exact (`IndexIDMap2` over `IndexFlatIP`); past
`exact_limit` rows the index turns itself into an `IndexIVFFlat` (which, unlike HNSW, can remove
rows), trained on the vectors it already holds, so nothing is re-encoded. The manifest records
model, dimension, kind, every key's fingerprint and rows, and the SHA-256 of the index file: a
saved index that does not match it exactly is refused, never used.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from kb_index.errors import KnowledgeError

# Below this many rows an exact inner-product search takes < 4 ms and has perfect recall.
EXACT_LIMIT = 50_000
# Inverted lists probed per search, as a share of all lists: recall@10 ≥ 0.95 at 1M rows (BENCHMARKS.md).
PROBE_SHARE = 1 / 32
MANIFEST_VERSION = 2
INDEX_FILE = "index.faiss"
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class Manifest:
    """What the saved index holds; it is the last file written, so its presence means a whole save."""

    model: str
    dimension: int
    kind: str
    rows: int
    next_row: int
    content_hash: str
    index_sha256: str
    trained_rows: int = 0
    entries: dict[str, dict] = field(default_factory=dict)
    version: int = MANIFEST_VERSION


def fingerprint_digest(fingerprints: Mapping[str, str]) -> str:
    """One digest of every key's fingerprint: equal digests, equal indexed content."""
    canon = json.dumps(sorted(fingerprints.items()), ensure_ascii=False)
    return hashlib.sha256(canon.encode()).hexdigest()


def _unit_rows(vectors: np.ndarray, dimension: int) -> np.ndarray:
    array = np.ascontiguousarray(vectors, dtype=np.float32)
    if array.ndim != 2 or array.shape[1] != dimension:
        raise KnowledgeError(f"expected vectors of dimension {dimension}, got shape {array.shape}")
    return array


class FaissIndex:
    """Normalised vectors with inner product (cosine); each row belongs to one key (an entry id)."""

    def __init__(self, model: str, dimension: int, exact_limit: int = EXACT_LIMIT) -> None:
        # One OpenMP thread per process: a single query gains nothing from more, and FAISS's idle
        # threads spinning after each search slowed the encoder's next call from 2.7 to 9.6 ms of
        # CPU (a whole search from 3 to 24 ms on 2 cores; BENCHMARKS.md, issue #3).
        faiss.omp_set_num_threads(1)
        self.model = model
        self.dimension = dimension
        self.exact_limit = exact_limit
        self.kind = "flat"
        self.trained_rows = 0
        self._index: faiss.Index = self._flat()
        self._rows: dict[str, list[int]] = {}
        self._fingerprints: dict[str, str] = {}
        self._owner: dict[int, str] = {}
        self._next_row = 0

    # --- building and changing --------------------------------------------------------------

    @classmethod
    def build(
        cls,
        vectors: np.ndarray,
        row_keys: list[str],
        model: str,
        fingerprints: Mapping[str, str] | None = None,
        exact_limit: int = EXACT_LIMIT,
    ) -> FaissIndex:
        """An index of `vectors`, row i belonging to key `row_keys[i]` (rows of a key may be anywhere)."""
        if len(vectors) != len(row_keys):
            raise KnowledgeError(f"{len(vectors)} vectors for {len(row_keys)} rows")
        index = cls(model, int(vectors.shape[1]), exact_limit)
        positions: dict[str, list[int]] = {}
        for position, key in enumerate(row_keys):
            positions.setdefault(key, []).append(position)
        fingerprints = fingerprints or {}
        index.update({key: (vectors[rows], fingerprints.get(key, "")) for key, rows in positions.items()})
        return index

    def update(self, upserts: Mapping[str, tuple[np.ndarray, str]], removals: Iterable[str] = ()) -> None:
        """Replace the rows of each key in `upserts` (vectors, fingerprint) and drop the keys in `removals`.

        Done in one batch: one removal pass and one add, then the kind is revisited.
        """
        gone = [key for key in dict.fromkeys([*removals, *upserts]) if key in self._rows]
        old_ids = [row for key in gone for row in self._rows[key]]
        if old_ids:
            ids_array = np.asarray(old_ids, dtype=np.int64)
            # An IVF with a hashtable direct map removes by lookup, which needs the array form.
            selector = faiss.IDSelectorArray if self.kind == "ivf" else faiss.IDSelectorBatch
            self._index.remove_ids(selector(ids_array))
        for key in gone:
            for row in self._rows.pop(key):
                del self._owner[row]
            self._fingerprints.pop(key, None)
        batches, ids = [], []
        for key, (vectors, fingerprint) in upserts.items():
            block = _unit_rows(vectors, self.dimension)
            rows = list(range(self._next_row, self._next_row + len(block)))
            self._next_row += len(block)
            self._rows[key] = rows
            self._fingerprints[key] = fingerprint
            self._owner.update(dict.fromkeys(rows, key))
            batches.append(block)
            ids.extend(rows)
        if ids:
            self._index.add_with_ids(np.concatenate(batches), np.asarray(ids, dtype=np.int64))
        self._rebalance()

    def remove(self, keys: Iterable[str]) -> None:
        self.update({}, keys)

    def _rebalance(self) -> None:
        """Exact below `exact_limit`; IVF above it, retrained once it holds 4× what it was trained on."""
        rows = self._index.ntotal
        if self.kind == "flat" and rows >= self.exact_limit:
            self._become_ivf()
        elif self.kind == "ivf" and (rows < self.exact_limit // 2 or rows > 4 * self.trained_rows):
            if rows < self.exact_limit // 2:
                ids, vectors = self._dump()
                self._index, self.kind, self.trained_rows = self._flat(), "flat", 0
                if len(ids):
                    self._index.add_with_ids(vectors, ids)
            else:
                self._become_ivf()

    def _become_ivf(self) -> None:
        ids, vectors = self._dump()
        nlist = ivf_lists(len(ids))
        quantizer = faiss.IndexFlatIP(self.dimension)
        ivf = faiss.IndexIVFFlat(quantizer, self.dimension, nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.cp.niter = 10
        sample = np.random.default_rng(0).choice(len(ids), size=min(len(ids), 40 * nlist), replace=False)
        ivf.train(vectors[np.sort(sample)])
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
        ivf.add_with_ids(vectors, ids)
        ivf.nprobe = probes_for(nlist)
        self._index, self.kind, self.trained_rows = ivf, "ivf", len(ids)

    def _dump(self) -> tuple[np.ndarray, np.ndarray]:
        """Every (row id, vector) the index holds: converting kinds never re-encodes."""
        ids = np.asarray(sorted(self._owner), dtype=np.int64)
        if not len(ids):
            return ids, np.zeros((0, self.dimension), dtype=np.float32)
        return ids, np.ascontiguousarray(self._index.reconstruct_batch(ids), dtype=np.float32)

    def _flat(self) -> faiss.Index:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dimension))

    # --- reading ------------------------------------------------------------------------------

    @property
    def rows(self) -> int:
        return int(self._index.ntotal)

    @property
    def nprobe(self) -> int:
        return int(self._index.nprobe) if self.kind == "ivf" else 0

    @nprobe.setter
    def nprobe(self, value: int) -> None:
        if self.kind == "ivf":
            self._index.nprobe = value

    def fingerprints(self) -> dict[str, str]:
        return dict(self._fingerprints)

    def rows_of(self, key: str) -> list[int]:
        return list(self._rows.get(key, []))

    def vectors_by_key(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Every key, every row's vector grouped by key, and each row's key (an index into the keys)."""
        keys = sorted(self._rows)
        rows = [row for key in keys for row in self._rows[key]]
        owner = np.asarray([i for i, key in enumerate(keys) for _ in self._rows[key]], dtype=np.int64)
        if not rows:
            return keys, np.zeros((0, self.dimension), dtype=np.float32), owner
        vectors = self._index.reconstruct_batch(np.asarray(rows, dtype=np.int64))
        return keys, np.ascontiguousarray(vectors, dtype=np.float32), owner

    def search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The `k` nearest rows as (key, cosine score), best first."""
        if self._index.ntotal == 0:
            return []
        query = np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32)
        scores, rows = self._index.search(query, min(k, self._index.ntotal))
        return [(self._owner[int(r)], float(s)) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0]

    def search_batch(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Raw (scores, row ids) for many queries at once: what the benchmarks and recall tests compare."""
        return self._index.search(np.ascontiguousarray(vectors, dtype=np.float32), k)

    @property
    def manifest(self) -> Manifest:
        return self._manifest("")

    def _manifest(self, index_sha256: str) -> Manifest:
        return Manifest(
            model=self.model,
            dimension=self.dimension,
            kind=self.kind,
            rows=self.rows,
            next_row=self._next_row,
            content_hash=fingerprint_digest(self._fingerprints),
            index_sha256=index_sha256,
            trained_rows=self.trained_rows,
            entries={k: {"fingerprint": self._fingerprints[k], "rows": self._rows[k]} for k in sorted(self._rows)},
        )

    # --- saving and loading -------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write the index, then the manifest naming its SHA-256, each atomically (temp file + rename)."""
        directory.mkdir(parents=True, exist_ok=True)
        data = faiss.serialize_index(self._index).tobytes()
        manifest = self._manifest(hashlib.sha256(data).hexdigest())
        _write_atomic(directory / INDEX_FILE, data)
        _write_atomic(directory / MANIFEST_FILE, json.dumps(manifest.__dict__, ensure_ascii=False).encode())

    @classmethod
    def load(
        cls, directory: Path, model: str, dimension: int, exact_limit: int = EXACT_LIMIT
    ) -> FaissIndex | None:
        """The saved index if it was built with `model`/`dimension` and its files agree, else None."""
        try:
            raw = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
            manifest = Manifest(**raw)
            if (manifest.version, manifest.model, manifest.dimension) != (MANIFEST_VERSION, model, dimension):
                return None
            data = (directory / INDEX_FILE).read_bytes()
            if hashlib.sha256(data).hexdigest() != manifest.index_sha256:
                return None
            index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
            rows = {str(k): [int(r) for r in v["rows"]] for k, v in manifest.entries.items()}
            fingerprints = {str(k): str(v["fingerprint"]) for k, v in manifest.entries.items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RuntimeError):
            return None
        owner = {row: key for key, ids in rows.items() for row in ids}
        kind_ok = (manifest.kind == "ivf") == isinstance(index, faiss.IndexIVF)
        if not kind_ok or index.d != dimension or not (index.ntotal == manifest.rows == len(owner)):
            return None
        if owner and max(owner) >= manifest.next_row:
            return None
        loaded = cls(model, dimension, exact_limit)
        loaded._index, loaded.kind, loaded.trained_rows = index, manifest.kind, manifest.trained_rows
        loaded._rows, loaded._fingerprints, loaded._owner = rows, fingerprints, owner
        loaded._next_row = manifest.next_row
        return loaded


def ivf_lists(rows: int) -> int:
    """Inverted lists for `rows` vectors: the power of two nearest 2·√rows (≥ 64 rows a list)."""
    target = max(16.0, min(2 * math.sqrt(rows), rows / 64))
    return int(2 ** round(math.log2(target)))


def probes_for(nlist: int) -> int:
    return max(8, int(nlist * PROBE_SHARE))


def _write_atomic(path: Path, data: bytes) -> None:
    """A temporary file of this writer's own, renamed over `path`: processes that re-index the same
    hand edit at once (each follows the files, live.py) never rename each other's half-written file."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        raise
