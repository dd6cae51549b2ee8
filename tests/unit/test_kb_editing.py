"""Whole entries edited in place (kb_index.editing) and spreadsheets in and out (`kefu kb import`,
`kefu kb export`): the owner's files keep their comments and every other byte, a stale version is
refused, a hand edit in between is kept, and a dry run writes nothing."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from kb_index.cli import app
from kb_index.editing import (
    EntryInvalid,
    VersionConflict,
    form_to_raw,
    put_entry,
    read_records,
)
from kb_index.knowledge import load_knowledge
from tests.conftest import ROOT

HAND_WRITTEN = """\
# Store basics, kept by hand.
- id: store_hours   # asked daily
  category: store
  questions:
    zh:
      - 几点下班
      - 客服几点上班
    en: [what are your opening hours]
  answer:
    zh: 客服每天 9:00–23:00 在线。
    en: "Our team is online 9:00–23:00 every day."

# Pickup is not offered yet.
- id: store_pickup
  category: store
  questions:
    zh: [可以到店自提吗]
  answer:
    zh: 暂时不支持自提哦。
    en: We don't offer pickup yet.
"""


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "store.yml").write_text(HAND_WRITTEN, encoding="utf-8")
    return folder


def edited(kb: Path, entry_id: str, **changes: object) -> dict:
    record = read_records(kb)[entry_id]
    raw = {**record.raw, **changes}
    put_entry(kb, entry_id, raw, record.version)
    return raw


def test_an_edit_keeps_comments_block_lists_and_the_other_entry(kb: Path) -> None:
    edited(kb, "store_hours", questions={"zh": ["几点下班", "客服几点上班", "晚上还有人吗?"], "en": ["what are your opening hours"]})
    text = (kb / "store.yml").read_text(encoding="utf-8")
    assert text.startswith("# Store basics, kept by hand.\n- id: store_hours   # asked daily\n")
    assert "      - 晚上还有人吗?\n" in text  # still a block list, the new item in the same style
    assert text.endswith(HAND_WRITTEN[HAND_WRITTEN.index("\n# Pickup") :])  # the rest, byte for byte
    assert read_records(kb)["store_hours"].entry.questions["zh"][-1] == "晚上还有人吗?"


def test_new_flow_items_that_need_quotes_get_them(kb: Path) -> None:
    edited(kb, "store_pickup", questions={"zh": ["可以到店自提吗"], "en": ["can I pick it up?", "yes: today", "null"]})
    assert "en: ['can I pick it up?', 'yes: today', 'null']" in (kb / "store.yml").read_text(encoding="utf-8")
    assert load_knowledge(kb)[1].questions["en"] == ["can I pick it up?", "yes: today", "null"]


def test_a_stale_version_is_refused_and_a_hand_edit_in_between_is_kept(kb: Path) -> None:
    before = read_records(kb)["store_pickup"]
    path = kb / "store.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("暂时不支持自提哦。", "暂时不支持自提哦，敬请期待。"), encoding="utf-8")
    with pytest.raises(VersionConflict):
        put_entry(kb, "store_pickup", {**before.raw, "tags": ["pickup"]}, before.version)

    # the page edits the other entry of the same file: the hand edit stays
    edited(kb, "store_hours", answer={"zh": "客服每天 9:00–22:00 在线。", "en": "Online 9:00–22:00."})
    records = read_records(kb)
    assert records["store_pickup"].entry.answer["zh"] == "暂时不支持自提哦，敬请期待。"
    assert records["store_hours"].entry.answer["en"] == "Online 9:00–22:00."


def test_of_two_writers_with_the_same_version_one_wins_and_one_is_refused(kb: Path) -> None:
    record = read_records(kb)["store_pickup"]
    outcomes: list[str] = []

    def write(answer: str) -> None:
        try:
            put_entry(kb, "store_pickup", {**record.raw, "answer": {"zh": answer, "en": answer}}, record.version)
            outcomes.append("written")
        except VersionConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(f"答案 {n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "written"]


def test_removing_an_entry_and_validation_by_field(kb: Path) -> None:
    record = read_records(kb)["store_pickup"]
    put_entry(kb, "store_pickup", None, record.version)
    assert list(read_records(kb)) == ["store_hours"]
    assert (kb / "store.yml").read_text(encoding="utf-8").endswith('every day."\n')
    with pytest.raises(EntryInvalid) as refused:
        form_to_raw({"id": "x", "category": "store", "questions": {"zh": ["a", "A"]}, "answer": {"zh": "a", "en": "b"},
                     "valid_from": "2026-02-30"}, read_records(kb), None)  # fmt: skip
    assert refused.value.fields == {"questions.zh": "duplicate_question", "valid_from": "invalid_date"}


# --- kefu kb import / export ------------------------------------------------------------------------------


@pytest.fixture
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = Path(shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge"))
    monkeypatch.setenv("KEFU_KB_KNOWLEDGE_DIR", str(folder))
    monkeypatch.chdir(tmp_path)
    return folder


def test_kb_import_dry_run_reports_rows_and_writes_nothing(shipped: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "faq.csv"
    sheet.write_text(
        "id,category,questions_zh,answer_zh,answer_en\n"
        "pen_engraving,store,钢笔可以刻字吗,可以免费刻字哦,Free engraving\n"
        "half,store,只有中文,只有中文答案,\n",
        encoding="utf-8",
    )
    before = {p.name: p.read_bytes() for p in shipped.glob("*.yml")}
    result = CliRunner().invoke(app, ["import", str(sheet), "--dry-run"])
    assert result.exit_code == 1, result.output
    assert "row    2  added     pen_engraving" in result.output
    assert "row    3  refused   half  (answer.en: an answer is required in this language)" in result.output
    assert "1 would be added, 0 changed, 0 unchanged, 1 refused" in result.output
    assert {p.name: p.read_bytes() for p in shipped.glob("*.yml")} == before


def test_kb_export_and_import_of_an_edited_xlsx(shipped: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["export", "--format", "xlsx", "-o", str(tmp_path / "kb.xlsx")]).exit_code == 0
    book = load_workbook(tmp_path / "kb.xlsx")
    sheet = book.active
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "invoice_electronic")
    row[header.index("answer_zh")].value = "亲，可以开电子发票的~"
    book.save(tmp_path / "kb.xlsx")

    result = runner.invoke(app, ["import", str(tmp_path / "kb.xlsx"), "--json"])
    assert result.exit_code == 0, result.output
    assert '"changed": 1' in result.output and '"added": 0' in result.output
    assert read_records(shipped)["invoice_electronic"].entry.answer["zh"] == "亲，可以开电子发票的~"

    assert runner.invoke(app, ["export", "--format", "csv"]).exit_code == 0
    assert "亲，可以开电子发票的~" in (tmp_path / "knowledge.csv").read_text(encoding="utf-8-sig")


def test_kb_import_refuses_a_file_it_cannot_read(shipped: Path, tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["question", "reply"])
    book.save(tmp_path / "other.xlsx")
    result = CliRunner().invoke(app, ["import", str(tmp_path / "other.xlsx")])
    assert result.exit_code == 1 and "missing column(s) category, answer_zh, answer_en" in result.output
    (tmp_path / "notes.txt.pdf").write_bytes(b"%PDF")
    assert "use a .csv or .xlsx file" in CliRunner().invoke(app, ["import", str(tmp_path / "notes.txt.pdf")]).output
