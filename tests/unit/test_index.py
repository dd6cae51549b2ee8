"""The FAISS index: exact like numpy, saved with a manifest, never used when stale."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kb_index.errors import KnowledgeError
from kb_index.index import FaissIndex, Manifest


def random_unit_vectors(rows: int, dimension: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((rows, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def expected_for(index: FaissIndex) -> Manifest:
    m = index.manifest
    return Manifest(model=m.model, dimension=m.dimension, content_hash=m.content_hash, kind="", rows=0)


@pytest.fixture
def built() -> FaissIndex:
    vectors = random_unit_vectors(300, 32, seed=1)
    return FaissIndex.build(vectors, [f"entry-{i // 3}" for i in range(300)], "usem3", "hash-1")


def test_search_equals_exact_inner_product_ranking() -> None:
    vectors = random_unit_vectors(2000, 48, seed=7)
    queries = random_unit_vectors(25, 48, seed=8)
    index = FaissIndex.build(vectors, [f"row-{i}" for i in range(2000)], "m", "h")

    for query in queries:
        exact_scores = vectors @ query
        exact_rows = np.argsort(-exact_scores, kind="stable")[:10]

        found = index.search(query, 10)

        assert [row for row, _ in found] == [f"row-{r}" for r in exact_rows]
        np.testing.assert_allclose([s for _, s in found], exact_scores[exact_rows], rtol=1e-5, atol=1e-5)


def test_scores_are_cosines_best_first_and_a_stored_vector_finds_itself(built: FaissIndex) -> None:
    vectors = random_unit_vectors(300, 32, seed=1)

    found = built.search(vectors[42], 5)

    assert found[0] == ("entry-14", pytest.approx(1.0, abs=1e-5))
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
    assert all(-1.0 - 1e-5 <= s <= 1.0 + 1e-5 for _, s in found)


def test_asking_for_more_rows_than_stored_returns_only_the_stored_rows() -> None:
    index = FaissIndex.build(random_unit_vectors(3, 8, seed=2), ["a", "b", "c"], "m", "h")

    assert sorted(row for row, _ in index.search(random_unit_vectors(1, 8, seed=3)[0], 10)) == ["a", "b", "c"]


def test_building_with_a_row_id_per_vector_is_enforced() -> None:
    with pytest.raises(KnowledgeError, match="3 vectors for 2 rows"):
        FaissIndex.build(random_unit_vectors(3, 8, seed=2), ["a", "b"], "m", "h")


def test_saved_index_loads_back_with_the_same_results(built: FaissIndex, tmp_path: Path) -> None:
    query = random_unit_vectors(1, 32, seed=5)[0]
    built.save(tmp_path / "kb")

    loaded = FaissIndex.load(tmp_path / "kb", expected_for(built))

    assert loaded is not None
    assert loaded.manifest == built.manifest
    assert loaded.row_ids == built.row_ids
    assert loaded.search(query, 8) == built.search(query, 8)
    manifest = json.loads((tmp_path / "kb" / "manifest.json").read_text())
    assert manifest["model"] == "usem3" and manifest["content_hash"] == "hash-1" and manifest["rows"] == 300


@pytest.mark.parametrize(
    "change",
    [
        {"content_hash": "hash-2"},
        {"model": "paraphrase-multilingual-MiniLM-L12-v2"},
        {"dimension": 384},
        {"version": 2},
    ],
    ids=["knowledge changed", "other model", "other dimension", "other manifest version"],
)
def test_saved_index_is_refused_when_it_was_built_from_something_else(
    built: FaissIndex, tmp_path: Path, change: dict
) -> None:
    built.save(tmp_path)
    expected = expected_for(built)

    assert FaissIndex.load(tmp_path, Manifest(**{**expected.__dict__, **change})) is None


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("index.faiss", b"\x00garbage, not a faiss index"),
        ("index.faiss", None),  # truncated to half
        ("manifest.json", b"{\"model\": \"usem3\""),
        ("manifest.json", b"[1, 2, 3]"),
        ("rows.json", b"[\"only-one-row\"]"),
    ],
    ids=["index garbage", "index truncated", "manifest cut", "manifest wrong shape", "rows disagree"],
)
def test_damaged_saved_index_is_not_loaded(built: FaissIndex, tmp_path: Path, name: str, damage: bytes | None) -> None:
    built.save(tmp_path)
    path = tmp_path / name
    path.write_bytes(damage if damage is not None else path.read_bytes()[: path.stat().st_size // 2])

    assert FaissIndex.load(tmp_path, expected_for(built)) is None


def test_nothing_saved_means_nothing_loaded(tmp_path: Path) -> None:
    assert FaissIndex.load(tmp_path / "missing", Manifest("m", 8, "h", "", 0)) is None


def test_save_interrupted_before_the_manifest_is_not_loaded(built: FaissIndex, tmp_path: Path) -> None:
    built.save(tmp_path)
    (tmp_path / "manifest.json").unlink()

    assert FaissIndex.load(tmp_path, expected_for(built)) is None
