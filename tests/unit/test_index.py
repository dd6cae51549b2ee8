"""The FAISS index: exact like numpy when small, checked against exact search when approximate,
changed in place, saved with a manifest and never used when its files disagree."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from faiss.contrib.evaluation import knn_intersection_measure

from kb_index.errors import KnowledgeError
from kb_index.index import MANIFEST_VERSION, FaissIndex


def random_unit_vectors(rows: int, dimension: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((rows, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def clustered_unit_vectors(rows: int, dimension: int, seed: int, clusters: int = 200) -> np.ndarray:
    """Vectors around topic centres, like sentence embeddings (uniform random ones have no neighbours).

    The centres are the same for every seed, so queries drawn with another seed ask about the same topics.
    """
    rng = np.random.default_rng(seed)
    centres = random_unit_vectors(clusters, dimension, 1000 + clusters)
    vectors = centres[rng.integers(0, clusters, rows)] + rng.standard_normal((rows, dimension)) * (0.6 / np.sqrt(dimension))
    vectors = vectors.astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def exact_top(vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    return ids[np.argsort(-(queries @ vectors.T), axis=1, kind="stable")[:, :k]]


@pytest.fixture
def built() -> FaissIndex:
    vectors = random_unit_vectors(300, 32, seed=1)
    return FaissIndex.build(vectors, [f"entry-{i // 3}" for i in range(300)], "usem3", {"entry-0": "fp-0"})


def test_search_equals_exact_inner_product_ranking() -> None:
    vectors = random_unit_vectors(2000, 48, seed=7)
    queries = random_unit_vectors(25, 48, seed=8)
    index = FaissIndex.build(vectors, [f"row-{i}" for i in range(2000)], "m")

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
    index = FaissIndex.build(random_unit_vectors(3, 8, seed=2), ["a", "b", "c"], "m")

    assert sorted(row for row, _ in index.search(random_unit_vectors(1, 8, seed=3)[0], 10)) == ["a", "b", "c"]


def test_building_with_a_row_id_per_vector_is_enforced() -> None:
    with pytest.raises(KnowledgeError, match="3 vectors for 2 rows"):
        FaissIndex.build(random_unit_vectors(3, 8, seed=2), ["a", "b"], "m")


def test_vectors_of_the_wrong_dimension_are_refused(built: FaissIndex) -> None:
    with pytest.raises(KnowledgeError, match="dimension 32"):
        built.update({"entry-1": (random_unit_vectors(2, 16, seed=4), "fp")})


# --- changed in place -------------------------------------------------------------------------------


def test_updating_a_key_replaces_its_rows_and_leaves_the_others_alone(built: FaissIndex) -> None:
    old = random_unit_vectors(300, 32, seed=1)
    new = random_unit_vectors(2, 32, seed=9)
    untouched_rows = built.rows_of("entry-7")

    built.update({"entry-5": (new, "fp-new")})

    assert built.rows == 300 - 3 + 2
    assert built.search(new[1], 1) == [("entry-5", pytest.approx(1.0, abs=1e-5))]
    assert built.search(old[15], 1)[0][0] != "entry-5"  # its old phrasing is gone
    assert built.rows_of("entry-7") == untouched_rows
    assert built.fingerprints()["entry-5"] == "fp-new"


def test_removed_keys_are_never_found_again_and_their_row_ids_are_not_reused(built: FaissIndex) -> None:
    old = random_unit_vectors(300, 32, seed=1)
    removed_rows = set(built.rows_of("entry-3"))

    built.remove(["entry-3", "not-there"])
    built.update({"entry-new": (random_unit_vectors(3, 32, seed=10), "fp")})

    assert "entry-3" not in built.fingerprints()
    assert all(key != "entry-3" for key, _ in built.search(old[10], 20))
    assert removed_rows.isdisjoint(built.rows_of("entry-new"))
    assert built.rows == 300


def test_a_key_both_removed_and_upserted_in_one_update_ends_up_with_the_new_rows(built: FaissIndex) -> None:
    new = random_unit_vectors(1, 32, seed=15)

    built.update({"entry-2": (new, "fp")}, removals=["entry-2", "entry-2"])

    assert built.rows == 298
    assert built.search(new[0], 1) == [("entry-2", pytest.approx(1.0, abs=1e-5))]


# --- approximate above the exact limit, checked against exact search -------------------------------


def test_index_turns_approximate_past_the_limit_and_agrees_with_exact_search() -> None:
    vectors = clustered_unit_vectors(6000, 32, seed=3)
    queries = clustered_unit_vectors(200, 32, seed=4)
    ids = np.arange(6000)

    index = FaissIndex.build(vectors, [f"row-{i}" for i in ids], "m", exact_limit=4000)
    _, found = index.search_batch(queries, 10)

    assert index.kind == "ivf"
    assert knn_intersection_measure(found, exact_top(vectors, ids, queries, 10)) >= 0.95
    assert all(index.search(vectors[i], 1)[0][0] == f"row-{i}" for i in range(0, 6000, 97))


def test_approximate_index_takes_updates_and_removals_without_a_rebuild() -> None:
    vectors = clustered_unit_vectors(5000, 32, seed=5)
    index = FaissIndex.build(vectors, [f"row-{i}" for i in range(5000)], "m", exact_limit=4000)
    replacement = clustered_unit_vectors(1, 32, seed=6)

    index.update({"row-10": (replacement, "fp")}, removals=["row-11"])

    assert index.kind == "ivf" and index.rows == 4999
    assert index.search(replacement[0], 1) == [("row-10", pytest.approx(1.0, abs=1e-5))]
    assert all(key != "row-11" for key, _ in index.search(vectors[11], 10))


def test_approximate_index_shrunk_below_half_the_limit_is_exact_again() -> None:
    vectors = clustered_unit_vectors(5000, 32, seed=7)
    queries = clustered_unit_vectors(50, 32, seed=8)
    index = FaissIndex.build(vectors, [f"row-{i}" for i in range(5000)], "m", exact_limit=4000)

    index.remove([f"row-{i}" for i in range(3500)])
    _, found = index.search_batch(queries, 10)

    assert index.kind == "flat"
    kept = np.arange(3500, 5000)
    np.testing.assert_array_equal(found, exact_top(vectors[kept], kept, queries, 10))


@pytest.mark.slow
def test_approximate_index_of_100k_rows_keeps_recall_at_10_above_095() -> None:
    vectors = clustered_unit_vectors(100_000, 64, seed=11, clusters=2000)
    queries = clustered_unit_vectors(300, 64, seed=12, clusters=2000)
    ids = np.arange(100_000)

    index = FaissIndex.build(vectors, [f"row-{i}" for i in ids], "m")
    _, found = index.search_batch(queries, 10)

    assert index.kind == "ivf"
    assert knn_intersection_measure(found, exact_top(vectors, ids, queries, 10)) >= 0.95


# --- saved and loaded ----------------------------------------------------------------------------------


def test_saved_index_loads_back_with_the_same_results(built: FaissIndex, tmp_path: Path) -> None:
    query = random_unit_vectors(1, 32, seed=5)[0]
    built.save(tmp_path / "kb")

    loaded = FaissIndex.load(tmp_path / "kb", "usem3", 32)

    assert loaded is not None
    assert loaded.manifest == built.manifest
    assert loaded.search(query, 8) == built.search(query, 8)
    manifest = json.loads((tmp_path / "kb" / "manifest.json").read_text())
    assert manifest["model"] == "usem3" and manifest["rows"] == 300 and manifest["kind"] == "flat"
    assert manifest["entries"]["entry-0"] == {"fingerprint": "fp-0", "rows": [0, 1, 2]}


def test_saved_approximate_index_loads_back_with_the_same_results(tmp_path: Path) -> None:
    vectors = clustered_unit_vectors(5000, 32, seed=13)
    index = FaissIndex.build(vectors, [f"row-{i}" for i in range(5000)], "m", exact_limit=4000)
    index.save(tmp_path)

    loaded = FaissIndex.load(tmp_path, "m", 32, exact_limit=4000)

    assert loaded is not None and loaded.kind == "ivf" and loaded.nprobe == index.nprobe
    assert loaded.search(vectors[77], 5) == index.search(vectors[77], 5)


@pytest.mark.parametrize(
    ("model", "dimension", "manifest_change"),
    [("other-model", 32, {}), ("usem3", 384, {}), ("usem3", 32, {"version": MANIFEST_VERSION - 1})],
    ids=["other model", "other dimension", "other manifest version"],
)
def test_saved_index_is_refused_when_it_was_built_from_something_else(
    built: FaissIndex, tmp_path: Path, model: str, dimension: int, manifest_change: dict
) -> None:
    built.save(tmp_path)
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **manifest_change}))

    assert FaissIndex.load(tmp_path, model, dimension) is None


def _drop_an_entry(manifest: dict) -> dict:
    manifest["entries"].pop("entry-0")
    return manifest


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("index.faiss", lambda data: b"\x00garbage, not a faiss index"),
        ("index.faiss", lambda data: data[: len(data) // 2]),
        ("manifest.json", lambda data: b'{"model": "usem3"'),
        ("manifest.json", lambda data: b"[1, 2, 3]"),
        ("manifest.json", lambda data: json.dumps(_drop_an_entry(json.loads(data))).encode()),
        ("manifest.json", lambda data: json.dumps({**json.loads(data), "rows": 299}).encode()),
    ],
    ids=["index garbage", "index truncated", "manifest cut", "manifest wrong shape", "rows disagree", "count disagrees"],
)
def test_damaged_saved_index_is_not_loaded(built: FaissIndex, tmp_path: Path, name: str, damage) -> None:  # noqa: ANN001
    built.save(tmp_path)
    path = tmp_path / name
    path.write_bytes(damage(path.read_bytes()))

    assert FaissIndex.load(tmp_path, "usem3", 32) is None


def test_index_file_from_another_save_is_not_loaded(built: FaissIndex, tmp_path: Path) -> None:
    """A crash between writing the index and the manifest leaves a pair that does not belong together."""
    built.save(tmp_path)
    old_manifest = (tmp_path / "manifest.json").read_bytes()
    built.update({"entry-1": (random_unit_vectors(3, 32, seed=14), "fp")})
    built.save(tmp_path)
    (tmp_path / "manifest.json").write_bytes(old_manifest)

    assert FaissIndex.load(tmp_path, "usem3", 32) is None


def test_nothing_saved_means_nothing_loaded(tmp_path: Path) -> None:
    assert FaissIndex.load(tmp_path / "missing", "m", 8) is None


def test_save_interrupted_before_the_manifest_is_not_loaded(built: FaissIndex, tmp_path: Path) -> None:
    built.save(tmp_path)
    (tmp_path / "manifest.json").unlink()

    assert FaissIndex.load(tmp_path, "usem3", 32) is None
