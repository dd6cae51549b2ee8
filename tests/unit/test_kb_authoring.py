"""Trainers add knowledge entries and phrasings; the owner's files keep every byte they had."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb_index.authoring import add_entry, add_question
from kb_index.cli import app
from kb_index.errors import EntryNotFound, KnowledgeFileError
from kb_index.knowledge import load_knowledge
from tests.conftest import ROOT
from tests.unit.samples import write_files

GIFT = {
    "questions": {"zh": ["能包装成礼物吗", "礼品包装"], "en": ["can you gift wrap it"]},
    "answer": {"zh": "亲，可以的：下单时备注「礼品包装」即可，免费哦~", "en": 'Yes: write "gift wrap" in the order note: it\'s free.'},
}
BLOCK_LISTS = """\
# Hand-written, block-style lists.
- id: store_hours
  category: store
  questions:
    zh:
      - 几点下班
      - 客服几点上班
    en:
      - what are your opening hours
  answer:
    zh: 客服每天 9:00–23:00 在线。
    en: "Our team is online 9:00–23:00 every day."
"""


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    return Path(shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge"))


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_new_entry_is_appended_and_found_by_the_loader(kb: Path) -> None:
    before = snapshot(kb)

    entry = add_entry(kb, entry_id="wrap_as_gift", category="shipping", tags=["gift"], **GIFT)

    assert entry.source.startswith(f"{kb / 'shipping.yml'}:")
    after = snapshot(kb)
    assert {k for k in after if after[k] != before.get(k)} == {"shipping.yml"}
    assert after["shipping.yml"].startswith(before["shipping.yml"])
    loaded = {e.id: e for e in load_knowledge(kb)}
    assert loaded["wrap_as_gift"] == entry
    assert loaded["wrap_as_gift"].questions == GIFT["questions"]
    assert loaded["wrap_as_gift"].answer == GIFT["answer"]
    assert loaded["wrap_as_gift"].tags == ("gift",)
    assert "    zh: [能包装成礼物吗, 礼品包装]\n" in after["shipping.yml"].decode()


def test_drafts_go_to_their_own_file_with_a_generated_id(kb: Path) -> None:
    entry = add_entry(kb, entry_id=None, category="drafts", **GIFT)
    again = add_entry(kb, entry_id=None, category="drafts", questions={"en": ["do you sell gift cards"]}, answer={"zh": "暂时没有礼品卡。", "en": "Not yet."})

    assert entry.id.startswith("drafts_") and again.id.startswith("drafts_") and entry.id != again.id
    assert [e.id for e in load_knowledge(kb) if e.category == "drafts"] == [entry.id, again.id]
    assert (kb / "drafts.yml").read_text(encoding="utf-8").count("- id: ") == 2


def test_a_multi_line_answer_round_trips(kb: Path) -> None:
    answer = {"zh": "第一步：联系客服\n第二步：寄回", "en": "Step 1: contact us\nStep 2: send it back"}

    entry = add_entry(kb, entry_id="return_steps", category="returns", questions={"zh": ["退货步骤"]}, answer=answer)

    assert {e.id: e for e in load_knowledge(kb)}["return_steps"].answer == answer == entry.answer


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"answer": {"zh": "只有中文"}}, "answer.en"),
        ({"answer": {"zh": "中文", "en": "  "}}, "answer.en"),
        ({"questions": {"zh": [" "]}}, "at least one question"),
        ({"entry_id": "beauty_samples"}, "already used"),
        ({"entry_id": "has space"}, "id"),
        ({"category": "../etc"}, "category"),
        ({"questions": {"fr": ["cadeau?"]}}, "unknown language"),
    ],
)
def test_invalid_entries_are_refused_and_nothing_is_written(kb: Path, change: dict, complaint: str) -> None:
    before = snapshot(kb)
    args = {"entry_id": "wrap_as_gift", "category": "shipping", **GIFT, **change}

    with pytest.raises(KnowledgeFileError) as refused:
        add_entry(kb, **args)

    assert complaint in str(refused.value)
    assert snapshot(kb) == before


def test_a_question_is_added_to_a_flow_list_as_one_changed_line(kb: Path) -> None:
    path = kb / "beauty.yml"
    old = path.read_text(encoding="utf-8").splitlines()

    entry = add_question(kb, "beauty_samples", "any free samples: with skincare?", "en")

    new = path.read_text(encoding="utf-8").splitlines()
    assert len(new) == len(old)
    assert [(a, b) for a, b in zip(old, new, strict=True) if a != b] == [
        (
            "    en: [do you give free samples, can I buy a trial size, can I try the shade first]",
            "    en: [do you give free samples, can I buy a trial size, can I try the shade first, 'any free samples: with skincare?']",
        )
    ]
    assert entry.questions["en"][-1] == "any free samples: with skincare?"
    assert {e.id: e for e in load_knowledge(kb)}["beauty_samples"] == entry


def test_a_question_is_added_to_a_block_list_and_a_missing_language(tmp_path: Path) -> None:
    kb = write_files(tmp_path / "kb", {"store.yml": BLOCK_LISTS})

    add_question(kb, "store_hours", "周末有人吗", "zh")
    text = (kb / "store.yml").read_text(encoding="utf-8")

    assert "      - 客服几点上班\n      - 周末有人吗\n    en:\n" in text
    assert load_knowledge(kb)[0].questions["zh"] == ["几点下班", "客服几点上班", "周末有人吗"]

    only_zh = write_files(tmp_path / "kb2", {"x.yml": BLOCK_LISTS.replace("    en:\n      - what are your opening hours\n", "")})
    add_question(only_zh, "store_hours", "are you open on sundays", "en")

    assert load_knowledge(only_zh)[0].questions == {"zh": ["几点下班", "客服几点上班"], "en": ["are you open on sundays"]}
    assert (only_zh / "x.yml").read_text(encoding="utf-8").startswith("# Hand-written, block-style lists.\n")


def test_adding_a_question_refuses_unknown_entries_and_repeats(kb: Path) -> None:
    before = snapshot(kb)

    with pytest.raises(EntryNotFound):
        add_question(kb, "no_such_entry", "hello", "en")
    with pytest.raises(KnowledgeFileError, match="already"):
        add_question(kb, "beauty_samples", "  Do you give FREE samples ", "en")
    with pytest.raises(KnowledgeFileError):
        add_question(kb, "beauty_samples", "  ", "en")
    with pytest.raises(KnowledgeFileError):
        add_question(kb, "beauty_samples", "des échantillons ?", "fr")

    assert snapshot(kb) == before


def test_the_commands_add_an_entry_and_a_phrasing(kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_KB_KNOWLEDGE_DIR", str(kb))
    runner = CliRunner()

    added = runner.invoke(app, [
        "add", "--category", "drafts", "--id", "wrap_as_gift",
        "--question-zh", "能包装成礼物吗", "--question-zh", "礼品包装", "--question-en", "can you gift wrap it",
        "--answer-zh", GIFT["answer"]["zh"], "--answer-en", GIFT["answer"]["en"],
    ])  # fmt: skip
    phrased = runner.invoke(app, ["add-question", "wrap_as_gift", "gift wrapping available?"])
    refused = runner.invoke(app, ["add", "--category", "drafts", "--question-en", "hi", "--answer-en", "Hello"])
    unknown = runner.invoke(app, ["add-question", "no_such_entry", "hello"])

    assert added.exit_code == 0, added.output
    assert "wrap_as_gift" in added.output and "drafts.yml" in added.output
    assert phrased.exit_code == 0, phrased.output
    entry = {e.id: e for e in load_knowledge(kb)}["wrap_as_gift"]
    assert entry.questions == {"zh": ["能包装成礼物吗", "礼品包装"], "en": ["can you gift wrap it", "gift wrapping available?"]}
    assert refused.exit_code == 1 and "answer.zh" in refused.output
    assert unknown.exit_code == 1 and "no_such_entry" in unknown.output
