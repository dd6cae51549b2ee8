"""All of an entry's phrasings vote (centroids, weight by cross-validation), and normalisation (issue #18)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kb_index.index import FaissIndex
from kb_index.knowledge import load_knowledge
from kb_index.normalise import normalise
from kb_index.phrasings import EntryCentroids, choose_centroid_weight
from kb_index.search import KnowledgeSearcher
from tests.conftest import ROOT


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def clustered_index(entries: int, per_entry: int, spread: float, seed: int = 0) -> FaissIndex:
    """Entries as clusters of phrasings around random centres: a store's phrasings, in numbers."""
    rng = np.random.default_rng(seed)
    centres = unit(rng.normal(size=(entries, 32)))
    vectors = unit(np.repeat(centres, per_entry, axis=0) + spread * rng.normal(size=(entries * per_entry, 32)))
    keys = [f"e{i}" for i in range(entries) for _ in range(per_entry)]
    return FaissIndex.build(vectors, keys, "test")


def test_centroids_are_the_normalised_means_of_each_entrys_phrasings() -> None:
    index = FaissIndex.build(unit(np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)), ["a", "a", "b"], "test")

    centroids = EntryCentroids.of(index)

    assert centroids.keys == ["a", "b"]
    np.testing.assert_allclose(centroids.centroids[0], [2**-0.5, 2**-0.5, 0], atol=1e-6)
    assert centroids.similarity(np.array([1, 0, 0], dtype=np.float32), ["a"]) == pytest.approx({"a": 2**-0.5})
    assert set(centroids.nearest(np.array([0, 0, 1], dtype=np.float32), 1)) == {"b"}


def test_noisy_phrasings_make_cross_validation_lean_on_the_centroid() -> None:
    choice = choose_centroid_weight(EntryCentroids.of(clustered_index(30, 8, spread=0.45)))

    assert choice.held_out == 240
    assert choice.weight > 0
    assert choice.top1[choice.weight] > choice.top1[0.0]


def test_one_phrasing_per_entry_leaves_plain_best_phrasing_search() -> None:
    choice = choose_centroid_weight(EntryCentroids.of(clustered_index(40, 1, spread=0.3)))

    assert (choice.weight, choice.held_out) == (0.0, 0)
    assert "too few phrasings" in choice.describe()


@pytest.fixture(scope="module")
def demo(encoder) -> KnowledgeSearcher:  # noqa: ANN001 - the real encoder
    return KnowledgeSearcher.build(load_knowledge(ROOT / "knowledge"), encoder, 0.65)


def test_a_fixed_weight_skips_the_cross_validation(demo: KnowledgeSearcher, encoder) -> None:  # noqa: ANN001
    searcher = demo
    fixed = KnowledgeSearcher(list(searcher.entries.values()), encoder, searcher.index, 0.65, centroid_weight=0.0)

    assert searcher.choice is not None and searcher.centroid_weight == searcher.choice.weight
    assert fixed.choice is None and fixed.centroid_weight == 0.0


def test_same_day_shipping_is_not_answered_with_merging_orders(demo: KnowledgeSearcher) -> None:
    """Issue #18: 拍了能当天发吗 got the answer about combining two orders."""
    result = demo.search("拍了能当天发吗")

    assert result.best is not None and result.best.entry.id != "combine_shipping"


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("退貨運費誰出？？？", "退货运费谁出?"),
        ("ＡＢＣ１２３ 有货吗!!!", "ABC123 有货吗!"),
        ("快递到了😊😊👍", "快递到了"),
        ("😡😡", "😡😡"),
        ("咋还没发", "怎么还没发货"),
        ("拍了能当天发吗", "拍了能当天发货吗"),
        ("出发了吗", "出发了吗"),
        ("怎么开发票", "怎么开发票"),
        ("Where is my order??", "Where is my order?"),
    ],
)
def test_normalisation_folds_width_script_emoji_punctuation_and_typing_variants(raw: str, normalised: str) -> None:
    assert normalise(raw) == normalised


def test_a_traditional_chinese_question_finds_the_simplified_entry(encoder, tmp_path: Path) -> None:  # noqa: ANN001
    from tests.unit.samples import write_small_kb

    searcher = KnowledgeSearcher.build(load_knowledge(write_small_kb(tmp_path)), encoder, 0.65)

    result = searcher.search("退貨運費誰承擔")

    assert result.decision == "answer" and result.best is not None and result.best.entry.id == "return_shipping_fee"


def test_the_classifier_weight_is_cross_validated_and_the_classifier_ranks_entries() -> None:
    from kb_index.phrasings import EntryClassifier, choose_weights

    centroids = EntryCentroids.of(clustered_index(20, 6, spread=0.6, seed=3))

    choice, model = choose_weights(centroids)

    assert set(choice.classifier_top1) == {0.0, 0.25, 0.5, 1.0}
    assert (model is None) == (choice.classifier_weight == 0.0)
    fitted = EntryClassifier.fit(centroids.vectors, centroids.owner, len(centroids.keys))
    probabilities = fitted.probabilities(centroids.centroids)
    assert probabilities.shape == (20, 20) and np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-4)
    assert (np.argmax(probabilities, axis=1) == np.arange(20)).mean() > 0.9


def test_the_calibrated_threshold_separates_held_out_phrasings_from_off_topic_messages() -> None:
    from kb_index.phrasings import calibrate_threshold

    centroids = EntryCentroids.of(clustered_index(20, 5, spread=0.08, seed=5))
    off_topic = np.full(40, 0.2)  # off-topic messages are far from every phrasing

    calibration = calibrate_threshold(centroids, 0.5, off_topic)

    assert calibration is not None
    assert 0.2 < calibration.threshold < 0.9
    assert calibration.off_topic_abstained == 1.0 and calibration.answered > 0.9 and calibration.right > 0.9
    assert "calibrated abstain threshold" in calibration.describe()


def test_kefu_kb_build_prints_the_ranking_choice_and_the_calibration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from kefu.cli import app
    from tests.unit.samples import write_small_kb

    monkeypatch.setenv("KEFU_KB_KNOWLEDGE_DIR", str(write_small_kb(tmp_path / "knowledge")))
    monkeypatch.setenv("KEFU_KB_INDEX_DIR", str(tmp_path / "index"))

    result = CliRunner().invoke(app, ["kb", "build"])

    assert result.exit_code == 0, result.output
    assert "index built from scratch" in result.output
    assert "ranking: centroid weight" in result.output
