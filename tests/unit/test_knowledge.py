"""Loading and validating the knowledge files a store owner edits by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kb_index.errors import KnowledgeFileError
from kb_index.knowledge import KnowledgeEntry, load_knowledge
from kb_index.search import KnowledgeSearcher
from tests.unit.fakes import FakeEncoder
from tests.unit.samples import RETURNS_ZH, SHIPPING_EN, SHIPPING_ZH, write_files, write_small_kb

GOOD_ENTRY = """\
- id: coupon_available
  category: coupons
  questions:
    zh: [有优惠券吗]
  answer:
    zh: 店铺首页可以领券。
"""


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(KnowledgeFileError) as caught:
        load_knowledge(directory)
    return caught.value.problems


def only_problem(directory: Path) -> str:
    problems = problems_of(directory)
    assert len(problems) == 1, problems
    return problems[0]


def test_valid_files_load_every_entry_with_both_languages(tmp_path: Path) -> None:
    entries = {e.id: e for e in load_knowledge(write_small_kb(tmp_path))}

    assert set(entries) == {"shipping_time", "coupon_available", "return_policy", "return_shipping_fee"}
    shipping = entries["shipping_time"]
    assert shipping.category == "shipping"
    assert shipping.answer == {"zh": SHIPPING_ZH, "en": SHIPPING_EN}
    assert "什么时候发货" in shipping.questions["zh"]
    assert "how long does shipping take" in shipping.questions["en"]
    assert shipping.tags == ("shipping",)
    assert shipping.all_questions()[0] == "什么时候发货"


def test_entries_in_subfolders_and_yaml_extension_are_loaded_and_other_files_ignored(tmp_path: Path) -> None:
    write_files(tmp_path / "promotions", {"double11.yaml": GOOD_ENTRY})
    (tmp_path / "README.md").write_text("# not knowledge\n- id: [", encoding="utf-8")

    assert [e.id for e in load_knowledge(tmp_path)] == ["coupon_available"]


def test_dates_are_read_as_dates(tmp_path: Path) -> None:
    write_files(tmp_path, {"promo.yml": GOOD_ENTRY + "  valid_from: 2026-11-01\n  valid_until: '2026-11-11'\n"})

    (entry,) = load_knowledge(tmp_path)

    assert (entry.valid_from, entry.valid_until) == (dt.date(2026, 11, 1), dt.date(2026, 11, 11))


def test_folder_without_knowledge_files_is_reported(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing here", encoding="utf-8")

    assert "no knowledge files" in only_problem(tmp_path)


def test_bad_yaml_is_reported_at_the_line_where_it_breaks(tmp_path: Path) -> None:
    # The classic slip: an unquoted answer containing ": ".
    broken = GOOD_ENTRY + "    en: Note: coupons are on the home page\n"
    write_files(tmp_path, {"faq.yml": broken})

    problem = only_problem(tmp_path)

    assert problem.startswith(f"{tmp_path / 'faq.yml'}:7: not valid YAML"), problem


def test_missing_id_is_reported_at_the_entry_line(tmp_path: Path) -> None:
    entry_without_id = "\n- category: shipping\n  questions: {zh: [包邮吗]}\n  answer: {zh: 满99包邮}\n"
    write_files(tmp_path, {"faq.yml": GOOD_ENTRY + entry_without_id})

    assert only_problem(tmp_path) == f"{tmp_path / 'faq.yml'}:8: 'id' is missing or not text"


def test_missing_answer_is_reported_at_the_entry_line(tmp_path: Path) -> None:
    write_files(tmp_path, {"faq.yml": "# shipping\n\n- id: shipping_fee\n  category: shipping\n  questions: {zh: [包邮吗]}\n"})

    problem = only_problem(tmp_path)

    assert problem.startswith(f"{tmp_path / 'faq.yml'}:3: 'answer' must map a language")


def test_unknown_language_is_reported_with_the_language_and_the_entry_line(tmp_path: Path) -> None:
    write_files(tmp_path, {"faq.yml": GOOD_ENTRY + "    fr: Des coupons sur la page d'accueil.\n"})

    problem = only_problem(tmp_path)

    assert problem.startswith(f"{tmp_path / 'faq.yml'}:1: 'answer' has unknown language 'fr'")


def test_duplicate_id_across_files_names_both_places(tmp_path: Path) -> None:
    write_files(tmp_path, {"a_coupons.yml": GOOD_ENTRY, "b_more.yml": "# copied by mistake\n" + GOOD_ENTRY})

    problem = only_problem(tmp_path)

    assert problem == (
        f"{tmp_path / 'b_more.yml'}:2: duplicate id 'coupon_available' (first at {tmp_path / 'a_coupons.yml'}:1)"
    )


def test_bad_date_is_reported_at_the_entry_line(tmp_path: Path) -> None:
    write_files(tmp_path, {"promo.yml": "\n" + GOOD_ENTRY + "  valid_until: next week\n"})

    problem = only_problem(tmp_path)

    assert problem == f"{tmp_path / 'promo.yml'}:2: 'valid_until' must be a date like 2026-11-11, got 'next week'"


def test_impossible_calendar_date_is_reported_at_the_entry_line(tmp_path: Path) -> None:
    write_files(tmp_path, {"promo.yml": GOOD_ENTRY + "  valid_from: 2026-13-01\n"})

    problem = only_problem(tmp_path)

    assert problem.startswith(f"{tmp_path / 'promo.yml'}:1:")
    assert "valid_from" in problem


def test_date_with_a_time_is_either_reported_or_usable_by_search(tmp_path: Path) -> None:
    write_files(tmp_path, {"promo.yml": GOOD_ENTRY + "  valid_from: 2026-11-01 10:00:00\n"})
    try:
        entries = load_knowledge(tmp_path)
    except KnowledgeFileError as exc:
        assert exc.problems[0].startswith(f"{tmp_path / 'promo.yml'}:1:")
        return
    searcher = KnowledgeSearcher.build(entries, FakeEncoder(), threshold=0.65)

    result = searcher.search("有优惠券吗", today=dt.date(2026, 11, 2))

    assert result.decision == "answer"


def test_unknown_key_is_reported_with_the_key_and_the_entry_line(tmp_path: Path) -> None:
    write_files(tmp_path, {"faq.yml": GOOD_ENTRY + "  valid_untill: 2026-11-30\n"})

    problem = only_problem(tmp_path)

    assert problem.startswith(f"{tmp_path / 'faq.yml'}:1: unknown key(s) ['valid_untill']")


def test_all_problems_in_all_files_are_reported_at_once(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "a.yml": GOOD_ENTRY + "\n- id: no_answer\n  category: x\n  questions: {zh: [问]}\n",
            "b.yml": "- id: [not, text]\n  category: x\n  questions: {de: [Frage]}\n  answer: {zh: 答}\n",
            "c.yml": "- id: ok\n  category: x\n  questions: {zh: [问\n",
        },
    )

    problems = problems_of(tmp_path)

    assert [p.split(": ")[0] for p in problems] == [
        f"{tmp_path / 'a.yml'}:8",
        f"{tmp_path / 'b.yml'}:1",
        f"{tmp_path / 'b.yml'}:1",
        f"{tmp_path / 'c.yml'}:4",
    ]
    assert "'answer'" in problems[0]
    assert "'id'" in problems[1]
    assert "unknown language 'de'" in problems[2]
    assert "not valid YAML" in problems[3]


def test_a_file_that_is_not_a_list_of_entries_is_reported(tmp_path: Path) -> None:
    write_files(tmp_path, {"faq.yml": "id: shipping_time\ncategory: shipping\n"})

    assert only_problem(tmp_path).startswith(f"{tmp_path / 'faq.yml'}:1: expected a list of entries")


def test_answer_falls_back_to_the_other_language() -> None:
    zh_only = KnowledgeEntry(id="r", category="returns", questions={"zh": ["可以退货吗"]}, answer={"zh": RETURNS_ZH})
    en_only = KnowledgeEntry(id="s", category="shipping", questions={"en": ["ship?"]}, answer={"en": SHIPPING_EN})

    assert zh_only.answer_in("en") == RETURNS_ZH
    assert en_only.answer_in("zh") == SHIPPING_EN
    assert en_only.answer_in("en") == SHIPPING_EN


PROMO = """\
- id: double11_promo
  category: promotions
  questions:
    zh: [双十一有什么活动]
  answer:
    zh: 双十一全场满 300 减 50。
  valid_from: 2026-11-01
  valid_until: 2026-11-11
"""


@pytest.mark.parametrize(
    ("day", "answered"),
    [
        (dt.date(2026, 10, 31), False),
        (dt.date(2026, 11, 1), True),
        (dt.date(2026, 11, 11), True),
        (dt.date(2026, 11, 12), False),
    ],
)
def test_entries_are_answered_only_inside_their_validity_window(tmp_path: Path, day: dt.date, answered: bool) -> None:
    entries = load_knowledge(write_files(tmp_path, {"promo.yml": PROMO, "coupons.yml": GOOD_ENTRY}))
    searcher = KnowledgeSearcher.build(entries, FakeEncoder(), threshold=0.65)

    result = searcher.search("双十一有什么活动", today=day)

    assert ("double11_promo" in [h.entry.id for h in result.hits]) is answered
    assert (result.decision == "answer") is answered
