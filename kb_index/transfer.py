"""Knowledge entries to and from spreadsheets (CSV, XLSX), the way stores keep their FAQs.

One row per entry; lists (phrasings, tags, variables, related ids) hold one item per line of the
cell (or items separated by `|`). A dry run says, row by row, what would be added, changed, left as
it is, or refused and why; applying writes through kb_index.editing, so every row is checked like
an edit on the knowledge page and a row that changed in the files meanwhile is refused, not lost.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb_index.editing import (
    MESSAGES,
    EntryInvalid,
    EntryRecord,
    VersionConflict,
    form_to_raw,
    put_entry,
    read_records,
)
from kb_index.errors import KnowledgeError, KnowledgeFileError

COLUMNS = (
    "id", "category", "questions_zh", "questions_en", "answer_zh", "answer_en",
    "tags", "valid_from", "valid_until", "variables", "related", "archived", "image",
)  # fmt: skip
REQUIRED_COLUMNS = ("category", "answer_zh", "answer_en")
MAX_ROWS = 5000
FORMATS = ("csv", "xlsx")


class SpreadsheetError(KnowledgeError):
    """The file is not a spreadsheet this reads (format, header, size)."""


@dataclass
class RowOutcome:
    row: int  # as the spreadsheet numbers it (the header is row 1)
    id: str
    status: str  # added | changed | unchanged | refused
    reasons: dict[str, str] = field(default_factory=dict)  # field → code (kb_index.editing.MESSAGES)
    raw: dict[str, Any] | None = None
    version: str | None = None  # of the entry the row changes, as read

    def public(self) -> dict[str, Any]:
        return {
            "row": self.row, "id": self.id, "status": self.status,
            "reasons": {k: {"code": v, "message": MESSAGES.get(v, v)} for k, v in self.reasons.items()},
        }  # fmt: skip


# --- reading and writing spreadsheets -----------------------------------------------------------------


def read_rows(data: bytes, name: str) -> list[dict[str, Any]]:
    """The rows of a CSV (UTF-8, with or without BOM) or XLSX file, keyed by lower-case header."""
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix == "xlsx":
        rows = _xlsx_rows(data)
    elif suffix in ("csv", "txt"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SpreadsheetError(f"{name}: not UTF-8 text; save the CSV as UTF-8") from exc
        rows = list(csv.reader(io.StringIO(text)))
    else:
        raise SpreadsheetError(f"{name}: use a .csv or .xlsx file")
    if not rows:
        raise SpreadsheetError(f"{name}: the file is empty")
    header = [str(h or "").strip().lower() for h in rows[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise SpreadsheetError(f"{name}: missing column(s) {', '.join(missing)}; the columns are {', '.join(COLUMNS)}")
    body = [r for r in rows[1:] if any(str(c or "").strip() for c in r)]
    if len(body) > MAX_ROWS:
        raise SpreadsheetError(f"{name}: {len(body)} rows; at most {MAX_ROWS} at once")
    return [{header[i]: cell for i, cell in enumerate(r) if i < len(header) and header[i]} for r in rows[1:]]


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise SpreadsheetError(f"not a readable .xlsx file ({exc.__class__.__name__})") from exc
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def write_rows(records: list[EntryRecord], fmt: str) -> bytes:
    rows = [[_cell(r.raw, column) for column in COLUMNS] for r in records]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
        return out.getvalue().encode("utf-8-sig")  # Excel opens UTF-8 Chinese text right with the BOM
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "knowledge"
        sheet.append(list(COLUMNS))
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    raise SpreadsheetError(f"unknown format {fmt!r}; use {' or '.join(FORMATS)}")


def _cell(raw: dict[str, Any], column: str) -> str:
    lang = column.rpartition("_")[2]
    if column.startswith("questions_"):
        return "\n".join(raw.get("questions", {}).get(lang, []))
    if column.startswith("answer_"):
        return raw.get("answer", {}).get(lang, "")
    if column == "archived":
        return "yes" if raw.get("archived") else ""
    value = raw.get(column)
    return "\n".join(value) if isinstance(value, list) else "" if value is None else str(value)


# --- planning and applying an import -----------------------------------------------------------------------


def _items(value: Any) -> list[str]:  # noqa: ANN401
    return [part.strip() for part in re.split(r"[\n|]", str(value or "")) if part.strip()]


def row_form(row: dict[str, Any]) -> dict[str, Any]:
    """The knowledge page's form for one spreadsheet row."""
    archived = str(row.get("archived") or "").strip().lower() in ("1", "true", "yes", "y", "是", "x")
    return {
        "id": str(row.get("id") or "").strip(),
        "category": str(row.get("category") or "").strip(),
        "questions": {"zh": _items(row.get("questions_zh")), "en": _items(row.get("questions_en"))},
        "answer": {"zh": str(row.get("answer_zh") or ""), "en": str(row.get("answer_en") or "")},
        "tags": _items(row.get("tags")), "variables": _items(row.get("variables")), "related": _items(row.get("related")),
        "valid_from": _date_cell(row.get("valid_from")), "valid_until": _date_cell(row.get("valid_until")),
        "archived": archived, **({"image": str(row.get("image") or "").strip()} if "image" in row else {}),
    }  # fmt: skip


def _date_cell(value: Any) -> str:  # noqa: ANN401
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value or "").strip()


def plan_import(rows: list[dict[str, Any]], records: dict[str, EntryRecord]) -> list[RowOutcome]:
    """What importing `rows` would do, row by row, without writing anything."""
    outcomes: list[RowOutcome] = []
    seen: dict[str, int] = {}
    known = dict(records)
    for number, row in enumerate(rows, start=2):
        form = row_form(row)
        if not any([form["category"], *form["answer"].values(), *form["questions"]["zh"], *form["questions"]["en"]]):
            continue
        if not form["id"]:
            digest = hashlib.sha256(json.dumps([form["questions"], form["answer"]], ensure_ascii=False).encode())
            form["id"] = f"{form['category'] or 'entry'}_{digest.hexdigest()[:8]}"
        entry_id = form["id"]
        if entry_id in seen:
            outcomes.append(RowOutcome(number, entry_id, "refused", {"id": "duplicate_row"}))
            continue
        seen[entry_id] = number
        existing = records.get(entry_id)
        if "image" not in form and existing is not None:  # a sheet without the column keeps the pictures
            form["image"] = existing.raw.get("image")
        try:
            raw = form_to_raw(form, known, entry_id if existing else None)
        except EntryInvalid as exc:
            outcomes.append(RowOutcome(number, entry_id, "refused", exc.fields))
            continue
        if existing is None:
            outcomes.append(RowOutcome(number, entry_id, "added", raw=raw))
            known[entry_id] = existing  # type: ignore[assignment]  # later rows may relate to it
        elif existing.raw == raw:
            outcomes.append(RowOutcome(number, entry_id, "unchanged", version=existing.version))
        else:
            outcomes.append(RowOutcome(number, entry_id, "changed", raw=raw, version=existing.version))
    return outcomes


def apply_import(
    knowledge_dir: Path, outcomes: list[RowOutcome], written: Callable[[RowOutcome, dict | None], None] | None = None
) -> list[RowOutcome]:
    """Write the added and changed rows (new entries first, so related ids exist); a row whose entry
    changed since the plan, or that would not load, becomes refused. `written(outcome, before_raw)`
    is told of each write (the page keeps its history)."""
    order = sorted(outcomes, key=lambda o: {"added": 0, "changed": 1}.get(o.status, 2))
    for outcome in order:
        if outcome.status not in ("added", "changed") or outcome.raw is None:
            continue
        try:
            before, _ = put_entry(knowledge_dir, outcome.id, outcome.raw, outcome.version)
        except VersionConflict:
            outcome.status, outcome.reasons = "refused", {"id": "changed_meanwhile"}
            continue
        except KnowledgeFileError:
            outcome.status, outcome.reasons = "refused", {"id": "would_not_load"}
            continue
        if written:
            written(outcome, before.raw if before else None)
    return outcomes


def import_summary(outcomes: list[RowOutcome]) -> dict[str, Any]:
    counts = {status: sum(1 for o in outcomes if o.status == status) for status in ("added", "changed", "unchanged", "refused")}
    return {"counts": counts, "rows": [o.public() for o in outcomes]}


def export_entries(knowledge_dir: Path, fmt: str) -> bytes:
    records = read_records(knowledge_dir)
    return write_rows(sorted(records.values(), key=lambda r: (r.entry.category, r.entry.id)), fmt)

