"""Knowledge files: plain YAML a store owner edits, validated with file:line errors."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kb_index.errors import KnowledgeFileError

LANGUAGES = ("zh", "en")
_KNOWN_KEYS = {
    "id", "category", "questions", "answer", "tags", "valid_from", "valid_until", "variables", "related", "archived", "image",
}  # fmt: skip
# An entry's picture: an https:// URL or a path on kefu (`/static/kb/…`, `/kb-images/…` from the page).
IMAGE_REF = re.compile(r"^(https://|/)[^\s<>\"']+$")


@dataclass(frozen=True)
class KnowledgeEntry:
    id: str
    category: str
    questions: dict[str, list[str]]
    answer: dict[str, str]
    tags: tuple[str, ...] = ()
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    variables: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    archived: bool = False
    source: str = field(default="", compare=False)
    image: str | None = None  # #19: a picture shown with the answer (a size chart…): https URL or a path on kefu

    def is_valid_on(self, day: dt.date) -> bool:
        """Entries out of their validity window (a past promotion) or archived must not be answered."""
        if self.archived:
            return False
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_until and day > self.valid_until)

    def answer_in(self, lang: str) -> str:
        """The answer in `lang`, else in the other language, so a shopper never gets nothing."""
        if lang in self.answer:
            return self.answer[lang]
        return next(iter(self.answer.values()))

    def all_questions(self) -> list[str]:
        return [q for lang in LANGUAGES for q in self.questions.get(lang, [])]


def entry_fingerprint(entry: KnowledgeEntry) -> str:
    """A digest of what an entry's index rows are encoded from (its phrasings), and nothing else.

    Answers, tags and dates are read from the files at search time, so changing them re-encodes nothing.
    """
    canon = {lang: entry.questions.get(lang, []) for lang in LANGUAGES}
    return hashlib.sha256(json.dumps(canon, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:32]


def content_hash(entries: list[KnowledgeEntry]) -> str:
    """A digest of everything that changes the index, so a stale index is detected."""
    canon = [
        {"id": e.id, "questions": e.questions, "valid": [str(e.valid_from), str(e.valid_until)]}
        for e in sorted(entries, key=lambda e: e.id)
    ]
    return hashlib.sha256(json.dumps(canon, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def knowledge_stamp(knowledge_dir: Path) -> tuple[tuple[str, int, int, int], ...]:
    """Every knowledge file with its mtime, size and inode: an atomic rewrite changes the inode."""
    stamps = []
    for path in sorted(knowledge_dir.rglob("*")):
        if path.suffix in (".yml", ".yaml"):
            try:
                stat = path.stat()
            except OSError:
                continue
            stamps.append((str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino))
    return tuple(stamps)


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML that leaves dates as text, so a bad date is reported at its entry, not raised.
    On libyaml when PyYAML has it: loading the shipped files took 0.66 s in pure Python, 0.05 s so."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_knowledge(directory: Path) -> list[KnowledgeEntry]:
    """Load every `*.yml`/`*.yaml` under `directory`; raise with all problems at once."""
    files = sorted(p for p in directory.rglob("*") if p.suffix in (".yml", ".yaml"))
    if not files:
        raise KnowledgeFileError([f"{directory}: no knowledge files (*.yml) found"])
    problems: list[str] = []
    entries: list[KnowledgeEntry] = []
    seen: dict[str, str] = {}
    for path in files:
        for entry in _load_file(path, problems):
            if entry.id in seen:
                problems.append(f"{entry.source}: duplicate id {entry.id!r} (first at {seen[entry.id]})")
                continue
            seen[entry.id] = entry.source
            entries.append(entry)
    for entry in entries:
        unknown = [r for r in entry.related if r not in seen]
        if unknown:
            problems.append(f"{entry.source}: 'related' names unknown entries {unknown}")
    if problems:
        raise KnowledgeFileError(problems)
    return entries


def _load_file(path: Path, problems: list[str]) -> list[KnowledgeEntry]:
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problems.append(f"{path}:{line}: not valid YAML ({getattr(exc, 'problem', exc)})")
        return []
    if data is None:
        return []
    if not isinstance(data, list) or not isinstance(root, yaml.SequenceNode):
        problems.append(f"{path}:1: expected a list of entries (each starting with '- id: ...')")
        return []
    entries = []
    for node, raw in zip(root.value, data, strict=True):
        where = f"{path}:{node.start_mark.line + 1}"
        entry = _parse_entry(raw, where, problems)
        if entry:
            entries.append(entry)
    return entries


def _parse_entry(raw: Any, where: str, problems: list[str]) -> KnowledgeEntry | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: an entry must be a mapping with id, category, questions, answer")
        return None
    before = len(problems)
    unknown = set(raw) - _KNOWN_KEYS
    if unknown:
        problems.append(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_KNOWN_KEYS)}")
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not entry_id.strip():
        problems.append(f"{where}: 'id' is missing or not text")
    category = raw.get("category")
    if not isinstance(category, str) or not category.strip():
        problems.append(f"{where}: 'category' is missing or not text")
    questions = _lang_map(raw.get("questions"), "questions", where, problems, want_list=True)
    answer = _lang_map(raw.get("answer"), "answer", where, problems, want_list=False)
    tags = raw.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        problems.append(f"{where}: 'tags' must be a list of text")
    variables = raw.get("variables") or []
    if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
        problems.append(f"{where}: 'variables' must be a list of names")
    related = raw.get("related") or []
    if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
        problems.append(f"{where}: 'related' must be a list of entry ids")
    archived = raw.get("archived", False)
    if not isinstance(archived, bool):
        problems.append(f"{where}: 'archived' must be true or false")
    image = raw.get("image")
    if image is not None and not (isinstance(image, str) and IMAGE_REF.match(image) and len(image) <= 2000):
        problems.append(f"{where}: 'image' must be an https:// URL or a path starting with /")
    valid_from = _date(raw.get("valid_from"), "valid_from", where, problems)
    valid_until = _date(raw.get("valid_until"), "valid_until", where, problems)
    if valid_from and valid_until and valid_until < valid_from:
        problems.append(f"{where}: 'valid_until' ({valid_until}) is before 'valid_from' ({valid_from})")
    if len(problems) > before:
        return None
    return KnowledgeEntry(
        id=entry_id.strip(),
        category=category.strip(),
        questions=questions,
        answer=answer,
        tags=tuple(tags),
        valid_from=valid_from,
        valid_until=valid_until,
        variables=tuple(variables),
        related=tuple(related),
        archived=archived,
        source=where,
        image=image,
    )


def _lang_map(value: Any, key: str, where: str, problems: list[str], *, want_list: bool) -> dict:
    if not isinstance(value, dict) or not value:
        problems.append(f"{where}: '{key}' must map a language ({', '.join(LANGUAGES)}) to text")
        return {}
    out: dict = {}
    for lang, item in value.items():
        if lang not in LANGUAGES:
            problems.append(f"{where}: '{key}' has unknown language {lang!r}; use {', '.join(LANGUAGES)}")
            continue
        if want_list:
            ok = isinstance(item, list) and item and all(isinstance(q, str) and q.strip() for q in item)
            if not ok:
                problems.append(f"{where}: '{key}.{lang}' must be a non-empty list of phrasings")
                continue
            out[lang] = [q.strip() for q in item]
        else:
            if not isinstance(item, str) or not item.strip():
                problems.append(f"{where}: '{key}.{lang}' must be non-empty text")
                continue
            out[lang] = item.strip()
    return out


def _date(value: Any, key: str, where: str, problems: list[str]) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{where}: '{key}' must be a date like 2026-11-11, got {value!r}")
        return None
