"""Editing whole knowledge entries in place, as the knowledge page and `kefu kb import` do.

The files stay the store's own: an entry is changed through ruamel.yaml's round trip (its comments,
key order, quoting and flow lists kept) and only that entry's lines are replaced, so the rest of
the file keeps every byte and a diff shows the edit alone. Each entry has a *version*, a digest of
what the file says about it: an editor sends the version it read, and a write on top of a newer one
(another editor, or a hand edit of the file in between) is refused with `VersionConflict`, never
made. Every write is read back with `load_knowledge` and replaces the file atomically, under a lock
shared by every process on the machine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import io
import json
import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)
from ruamel.yaml.tokens import CommentToken

from kb_index.authoring import write_atomically
from kb_index.errors import EntryNotFound, KnowledgeError, KnowledgeFileError
from kb_index.knowledge import (
    IMAGE_REF,
    LANGUAGES,
    KnowledgeEntry,
    _Loader,
    knowledge_stamp,
    load_knowledge,
)
from kefu_privacy import mask_pii

ORDER = ("id", "category", "questions", "answer", "tags", "valid_from", "valid_until", "variables", "related", "image", "archived")
_CATEGORY = re.compile(r"^[a-z][a-z0-9_]*$")
_ENTRY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_thread_lock = threading.Lock()

# What a field's problem is, as a code the page words in the user's language; English for the rest.
MESSAGES = {
    "required": "required",
    "invalid_id": "use letters, digits, '_', '-' or '.'",
    "id_taken": "this id is already used by another entry",
    "invalid_category": "use lower snake case letters and digits (it names the file)",
    "questions_required": "at least one phrasing (zh or en) is required",
    "duplicate_question": "the same phrasing is listed twice",
    "answer_required": "an answer is required in this language",
    "invalid_date": "use a date like 2026-11-11",
    "until_before_from": "the end date is before the start date",
    "invalid_variable": "a variable name is letters, digits and '_'",
    "undeclared_variable": "the answer uses a {placeholder} not listed in variables",
    "unknown_related": "no entry has this id",
    "self_related": "an entry cannot be related to itself",
    "too_long": "too long",
    "duplicate_row": "the same id is in an earlier row",
    "changed_meanwhile": "the entry changed in the files since the dry run",
    "would_not_load": "the knowledge base would not load with this row",
    "invalid_image": "an image is an https:// address or a path starting with /",
}
MAX_TEXT = 4000


class EntryInvalid(KnowledgeError):
    """The form has problems; `fields` maps each field (`answer.zh`, `valid_until`…) to a code of MESSAGES."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        super().__init__("; ".join(f"{name}: {MESSAGES.get(code, code)}" for name, code in fields.items()))


class VersionConflict(KnowledgeError):
    """The entry changed since the editor read it (another editor, or a hand edit of the file)."""

    def __init__(self, entry_id: str, current: EntryRecord | None) -> None:
        self.entry_id = entry_id
        self.current = current
        state = "was removed" if current is None else "was changed by someone else"
        super().__init__(f"entry {entry_id!r} {state} since you opened it; reload it and apply your edit again")


@dataclass(frozen=True)
class EntryRecord:
    """An entry as the files hold it: the loaded entry, its plain data, where it is, its version."""

    entry: KnowledgeEntry
    raw: dict[str, Any]
    version: str
    path: Path
    line: int


def entry_version(raw: dict[str, Any] | None) -> str | None:
    if raw is None:
        return None
    canon = json.dumps(raw, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(canon.encode()).hexdigest()[:16]


# --- reading ----------------------------------------------------------------------------------------


_cache: dict[Path, tuple[tuple, dict[str, EntryRecord]]] = {}


def read_records(knowledge_dir: Path) -> dict[str, EntryRecord]:
    """Every entry, validated by the same loader as `kefu kb build` (KnowledgeFileError otherwise);
    read again only when a file changed (its mtime, size or inode)."""
    key = knowledge_dir.resolve()
    stamp = knowledge_stamp(knowledge_dir)
    cached = _cache.get(key)
    if cached is not None and cached[0] == stamp:
        return dict(cached[1])
    records = _read_records(knowledge_dir)
    _cache[key] = (stamp, records)
    return dict(records)


def _read_records(knowledge_dir: Path) -> dict[str, EntryRecord]:
    entries = load_knowledge(knowledge_dir)
    raws: dict[str, dict[str, Any]] = {}
    for path in sorted({Path(e.source.rpartition(":")[0]) for e in entries}):
        for item in yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or []:  # noqa: S506 - SafeLoader
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                raws[item["id"].strip()] = _plain(item)
    records = {}
    for entry in entries:
        where, _, line = entry.source.rpartition(":")
        raw = raws[entry.id]
        records[entry.id] = EntryRecord(entry, raw, entry_version(raw) or "", Path(where), int(line))
    return records


def _plain(value: Any) -> Any:  # noqa: ANN401 - YAML data of any shape
    """JSON-ready data with dates as text, so a version digest does not depend on the YAML library."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# --- the form ----------------------------------------------------------------------------------------


def form_to_raw(form: dict[str, Any], records: dict[str, EntryRecord], editing: str | None) -> dict[str, Any]:
    """The file data for a form the page (or an import row) sent; EntryInvalid lists every problem.

    `editing` is the id of the entry being changed (None for a new one)."""
    problems: dict[str, str] = {}
    entry_id = _text(form.get("id"))
    if editing is not None:
        entry_id = editing
    if not entry_id:
        problems["id"] = "required"
    elif not _ENTRY_ID.match(entry_id) or len(entry_id) > 128:
        problems["id"] = "invalid_id"
    elif editing is None and entry_id in records:
        problems["id"] = "id_taken"
    category = _text(form.get("category"))
    if not category:
        problems["category"] = "required"
    elif not _CATEGORY.match(category) or len(category) > 64:
        problems["category"] = "invalid_category"
    questions: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        texts = [mask_pii(" ".join(str(q).split())) for q in (form.get("questions") or {}).get(lang) or []]
        texts = [q for q in texts if q]
        folded = [q.casefold() for q in texts]
        if len(set(folded)) != len(folded):
            problems[f"questions.{lang}"] = "duplicate_question"
        if any(len(q) > MAX_TEXT for q in texts):
            problems[f"questions.{lang}"] = "too_long"
        if texts:
            questions[lang] = texts
    if not questions:
        problems["questions"] = "questions_required"
    answer: dict[str, str] = {}
    for lang in LANGUAGES:
        text = str((form.get("answer") or {}).get(lang) or "").strip().replace("\r\n", "\n")
        if not text:
            problems[f"answer.{lang}"] = "answer_required"
        elif len(text) > MAX_TEXT:
            problems[f"answer.{lang}"] = "too_long"
        answer[lang] = text
    tags = _names(form.get("tags"))
    variables = _names(form.get("variables"))
    if any(not _VARIABLE.match(v) for v in variables):
        problems["variables"] = "invalid_variable"
    elif any(name not in variables for text in answer.values() for name in _PLACEHOLDER.findall(text)):
        problems["variables"] = "undeclared_variable"
    related = _names(form.get("related"))
    if entry_id and entry_id in related:
        problems["related"] = "self_related"
    elif any(r not in records for r in related):
        problems["related"] = "unknown_related"
    dates: dict[str, dt.date | None] = {}
    for key in ("valid_from", "valid_until"):
        value = form.get(key)
        if isinstance(value, dt.datetime):
            value = value.date()
        try:
            dates[key] = value if isinstance(value, dt.date) else dt.date.fromisoformat(_text(value)) if _text(value) else None
        except ValueError:
            problems[key] = "invalid_date"
            dates[key] = None
    if dates.get("valid_from") and dates.get("valid_until") and dates["valid_until"] < dates["valid_from"]:
        problems["valid_until"] = "until_before_from"
    image = _text(form.get("image")) or None
    if image and not (IMAGE_REF.match(image) and len(image) <= 2000):
        problems["image"] = "invalid_image"
    if problems:
        raise EntryInvalid(problems)
    raw: dict[str, Any] = {"id": entry_id, "category": category, "questions": questions, "answer": answer}
    optional = {
        "tags": tags, "valid_from": dates["valid_from"] and dates["valid_from"].isoformat(),
        "valid_until": dates["valid_until"] and dates["valid_until"].isoformat(), "variables": variables,
        "related": related, "image": image, "archived": bool(form.get("archived")),
    }  # fmt: skip
    raw.update({key: value for key, value in optional.items() if value})
    return raw


def draft_entry(raw: dict[str, Any]) -> KnowledgeEntry:
    """The entry a form would make, for searching with an unsaved edit."""
    return KnowledgeEntry(
        id=raw["id"], category=raw["category"], questions=raw["questions"], answer=raw["answer"],
        tags=tuple(raw.get("tags", ())), variables=tuple(raw.get("variables", ())),
        related=tuple(raw.get("related", ())), archived=bool(raw.get("archived")), image=raw.get("image"),
        valid_from=dt.date.fromisoformat(raw["valid_from"]) if raw.get("valid_from") else None,
        valid_until=dt.date.fromisoformat(raw["valid_until"]) if raw.get("valid_until") else None,
    )  # fmt: skip


def _text(value: Any) -> str:  # noqa: ANN401
    return "" if value is None else str(value).strip()


def _names(value: Any) -> list[str]:  # noqa: ANN401
    if isinstance(value, str):
        value = re.split(r"[,，\n|]", value)
    out: list[str] = []
    for item in value or []:
        text = " ".join(str(item).split())
        if text and text not in out:
            out.append(text)
    return out


# --- writing -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def writing(knowledge_dir: Path) -> Iterator[None]:
    """One writer at a time for this knowledge folder, across threads and processes of this machine."""
    digest = hashlib.sha256(str(knowledge_dir.resolve()).encode()).hexdigest()[:16]
    lock_path = Path(tempfile.gettempdir()) / f"kefu-knowledge-{digest}.lock"
    with _thread_lock, open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def put_entry(
    knowledge_dir: Path, entry_id: str, raw: dict[str, Any] | None, expected_version: str | None
) -> tuple[EntryRecord | None, EntryRecord | None]:
    """Make entry `entry_id` hold `raw` (None removes it; a new entry goes to `<category>.yml`),
    provided its version is still `expected_version` (None: it must not exist yet).

    Returns (before, after). Raises VersionConflict, KnowledgeFileError (the result would not load)."""
    with writing(knowledge_dir):
        records = read_records(knowledge_dir)
        before = records.get(entry_id)
        if (before.version if before else None) != expected_version:
            raise VersionConflict(entry_id, before)
        if raw is None and before is None:
            raise EntryNotFound(f"no knowledge entry with id {entry_id!r}")
        if before is None:
            assert raw is not None
            path = knowledge_dir / f"{raw['category']}.yml"
            text = path.read_text(encoding="utf-8") if path.exists() else ""
            if text and not text.endswith("\n"):
                text += "\n"
            content = text + ("\n" if text.strip() else "") + _dump_entry(_fresh(raw), _list_offset(text.splitlines()))
        else:
            path = before.path
            content = _replaced(path.read_text(encoding="utf-8"), entry_id, raw)
        after = _checked(knowledge_dir, path, content, entry_id, raw)
        return before, after


def _replaced(text: str, entry_id: str, raw: dict[str, Any] | None) -> str:
    """`text` with only the lines of entry `entry_id` replaced by `raw` (or removed)."""
    data = _yaml().load(text)
    position = next(i for i, item in enumerate(data) if isinstance(item, dict) and str(item.get("id")).strip() == entry_id)
    lines = text.splitlines(keepends=True)
    start = data[position].lc.line
    end = data[position + 1].lc.line if position + 1 < len(data) else len(lines)
    own = lines[start:end]
    last = max((i for i, line in enumerate(own) if line.strip() and not line.lstrip().startswith("#")), default=0)
    tail = own[last + 1 :]  # blank lines and comments before the next entry stay as they were
    if raw is None:
        while position > 0 and lines[start - 1].lstrip().startswith("#"):
            start -= 1  # the comment right above an entry is about it: it goes with it
        rest = "".join(lines[:start] + lines[end:])
        return rest.rstrip("\n") + "\n" if end == len(lines) and rest.strip() else rest
    node = data[position]
    _assign(node, raw)
    block = _dump_entry(node, _list_offset(own)).splitlines(keepends=True)
    while block and (not block[-1].strip() or block[-1].lstrip().startswith("#")):
        block.pop()
    return "".join(lines[:start] + block + tail + lines[end:])


def _assign(node: CommentedMap, raw: dict[str, Any]) -> None:
    """Set the changed keys of `node` to `raw`, leaving unchanged ones (and their formatting) alone."""
    for key in [k for k in node if k not in raw]:
        del node[key]
    for position, key in enumerate(k for k in ORDER if k in raw):
        value = raw[key]
        if key in node and _plain(node[key]) == value:
            continue
        if key in ("questions", "answer") and isinstance(node.get(key), CommentedMap):
            inner = node[key]
            for lang in [lang for lang in inner if lang not in value]:
                del inner[lang]
            for lang, item in value.items():
                if _plain(inner.get(lang)) != item:
                    inner[lang] = _styled(item, inner.get(lang))
            continue
        styled = _styled(value, node.get(key)) if key not in ("questions", "answer") else _fresh(raw)[key]
        if key in node:
            node[key] = styled
        else:
            node.insert(min(position, len(node)), key, styled)


def _styled(value: Any, old: Any = None) -> Any:  # noqa: ANN401
    """A value in the shipped files' style: lists of text in flow style (unless the old one was a
    block list), multi-line text as a `|` block, dates as dates."""
    if isinstance(value, list):
        flow = not (isinstance(old, CommentedSeq) and not old.fa.flow_style())
        seq = CommentedSeq([_quoted_if_needed(item, flow=flow) for item in value])
        if flow:
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return dt.date.fromisoformat(value)
    return _quoted_if_needed(value, flow=False)


def _quoted_if_needed(value: Any, *, flow: bool) -> Any:  # noqa: ANN401
    """Text quoted wherever PyYAML (the loader) would need it: ruamel writes `[gift wrap?]`, which
    PyYAML reads as a broken flow list."""
    if not isinstance(value, str) or "\n" in value:
        return value
    shown = yaml.safe_dump([value] if flow else value, default_flow_style=flow, allow_unicode=True, width=1_000_000)
    shown = shown.strip().removeprefix("[")
    if shown.startswith("'") or shown.startswith('"'):
        return DoubleQuotedScalarString(value) if shown.startswith('"') else SingleQuotedScalarString(value)
    return value


def _fresh(raw: dict[str, Any]) -> CommentedMap:
    node = CommentedMap()
    for key in ORDER:
        if key not in raw:
            continue
        value = raw[key]
        if isinstance(value, dict):
            inner = CommentedMap()
            for lang, item in value.items():
                inner[lang] = _styled(item)
            node[key] = inner
        else:
            node[key] = _styled(value)
    return node


def _yaml(offset: int = 0) -> YAML:
    handler = YAML()
    handler.preserve_quotes = True
    handler.width = 1_000_000
    handler.indent(mapping=2, sequence=offset + 2, offset=offset)
    return handler


def _list_offset(lines: list[str]) -> int:
    """How far the file's block lists put `- ` past their key (`zh:` then `  - a` is 2), so an
    entry written back keeps the owner's indentation; 2 when the text has no block list."""
    for before, line in zip(lines, lines[1:], strict=False):
        key = before.rstrip("\n")
        if line.lstrip().startswith("- ") and key.rstrip().endswith(":") and not key.lstrip().startswith("- "):
            return max(0, len(line) - len(line.lstrip()) - (len(key) - len(key.lstrip())))
    return 2


def _shift_comments(node: Any, by: int) -> None:  # noqa: ANN401 - any YAML node
    """Move the node's end-of-line comments `by` columns left (they keep their column when dumped)."""
    tokens: list[Any] = []
    comments = getattr(node, "ca", None)
    if comments is not None:
        stack: list[Any] = [*comments.items.values(), comments.comment]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, CommentToken) and item.start_mark is not None:
                tokens.append(item)
    for token in tokens:
        token.column = max(0, token.column - by)
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    for child in children:
        _shift_comments(child, by)


def _dump_entry(node: CommentedMap, offset: int) -> str:
    """One entry as an item of the file's top-level list (`- id: …`, its keys two spaces in)."""
    _shift_comments(node, 2)  # dumped two columns left of where the file has it
    out = io.StringIO()
    try:
        _yaml(offset).dump(node, out)
    finally:
        _shift_comments(node, -2)
    lines = out.getvalue().splitlines(keepends=True)
    return "".join(("- " if n == 0 else "  " if line.strip() else "") + line for n, line in enumerate(lines))


def _checked(knowledge_dir: Path, path: Path, content: str, entry_id: str, raw: dict[str, Any] | None) -> EntryRecord | None:
    """Load the knowledge folder as it would be with `content` in `path`; write only if it loads
    and reads back as `raw`."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "knowledge"
        for source in knowledge_dir.rglob("*"):
            if source.suffix in (".yml", ".yaml") and source.resolve() != path.resolve():
                target = root / source.relative_to(knowledge_dir)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(source.read_bytes())
        target = root / path.resolve().relative_to(knowledge_dir.resolve())
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        try:
            after = _read_records(root).get(entry_id)
        except KnowledgeFileError as exc:
            raise KnowledgeFileError([p.replace(str(root), str(knowledge_dir)) for p in exc.problems]) from exc
    if (after.raw if after else None) != raw:
        raise KnowledgeFileError([f"{path}: the edit would not read back as intended; the file was left unchanged"])
    try:
        write_atomically(path, content)
    except OSError as exc:
        raise KnowledgeFileError([f"{path}: cannot be written ({exc})"]) from exc
    return read_records(knowledge_dir).get(entry_id)
