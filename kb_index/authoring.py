"""Writing knowledge entries and phrasings the way a store owner would: by adding text to the files.

Existing bytes are never rewritten (comments, order and quoting stay as the owner left them), and
every edit is read back with `load_knowledge` before it replaces the file, so a bad edit loses
nothing and cannot break the knowledge base. Questions often come from shoppers' own words (the
trainer's inbox), so personal data in them is masked before it reaches the tracked files; answers
are the store's words (its hotline, its address) and are written as given.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

from kb_index.errors import EntryNotFound, KnowledgeFileError
from kb_index.knowledge import LANGUAGES, KnowledgeEntry, load_knowledge
from kefu_privacy import mask_pii

_CATEGORY = re.compile(r"^[a-z][a-z0-9_]*$")
_ENTRY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_QUESTIONS_KEY = re.compile(r"^(\s*-\s+|\s+)questions\s*:\s*(#.*)?$")
_WIDE = 1_000_000
_write_lock = threading.Lock()


class _EntryDumper(yaml.SafeDumper):
    """Lists in flow style (`zh: [a, b]`) and multi-line answers as `|` blocks, like the shipped files."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _list(dumper: yaml.SafeDumper, value: list) -> yaml.SequenceNode:
    flow = all(isinstance(item, str) for item in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_EntryDumper.add_representer(str, _str)
_EntryDumper.add_representer(list, _list)


def add_entry(
    knowledge_dir: Path,
    *,
    entry_id: str | None,
    category: str,
    questions: dict[str, list[str]],
    answer: dict[str, str],
    tags: Sequence[str] = (),
) -> KnowledgeEntry:
    """Append a new entry to `knowledge/<category>.yml` and return it as the loader reads it.

    Both languages' answers and at least one question are required; without `entry_id` a stable
    one is made from the category and the entry's text.
    """
    category = category.strip()
    if not _CATEGORY.match(category):
        raise KnowledgeFileError([f"category {category!r}: use lower snake case letters and digits (names the file)"])
    order = sorted(questions, key=lambda lang: LANGUAGES.index(lang) if lang in LANGUAGES else len(LANGUAGES))
    masked = {lang: _clean_list([mask_pii(str(q)) for q in questions[lang]]) for lang in order}
    questions = {lang: texts for lang, texts in masked.items() if texts}
    answer = {lang: text.strip() for lang, text in answer.items() if text and text.strip()}
    problems = [f"answer.{lang}: an answer in both languages (zh and en) is required" for lang in LANGUAGES]
    problems = [problem for lang, problem in zip(LANGUAGES, problems, strict=True) if lang not in answer]
    if not questions:
        problems.append("questions: at least one question (zh or en) is required")
    if problems:
        raise KnowledgeFileError(problems)
    entry_id = (entry_id or "").strip() or _generated_id(category, questions, answer)
    if not _ENTRY_ID.match(entry_id):
        raise KnowledgeFileError([f"id {entry_id!r}: use letters, digits, '_', '-' or '.'"])
    raw: dict = {"id": entry_id, "category": category, "questions": questions, "answer": answer}
    if tags := _clean_list(tags):
        raw["tags"] = tags
    text = yaml.dump([raw], Dumper=_EntryDumper, allow_unicode=True, sort_keys=False, width=_WIDE)
    with _write_lock:
        existing = {e.id: e for e in load_knowledge(knowledge_dir)} if _has_files(knowledge_dir) else {}
        if entry_id in existing:
            raise KnowledgeFileError([f"id {entry_id!r} is already used ({existing[entry_id].source})"])
        path = knowledge_dir / f"{category}.yml"
        before = path.read_text(encoding="utf-8") if path.exists() else ""
        if before and not before.endswith("\n"):
            before += "\n"
        content = before + ("\n" if before.strip() else "") + text
        return _checked_write(path, content, entry_id, lambda e: e.questions == questions and e.answer == answer)


def add_question(knowledge_dir: Path, entry_id: str, text: str, lang: str) -> KnowledgeEntry:
    """Add one phrasing to an entry's `questions.<lang>` list (flow `[a, b]` or block `- a`)."""
    text = mask_pii(" ".join(text.split()))
    if not text:
        raise KnowledgeFileError(["question: the phrasing is empty"])
    if lang not in LANGUAGES:
        raise KnowledgeFileError([f"question: unknown language {lang!r}; use {', '.join(LANGUAGES)}"])
    with _write_lock:
        entry = next((e for e in load_knowledge(knowledge_dir) if e.id == entry_id), None)
        if entry is None:
            raise EntryNotFound(f"no knowledge entry with id {entry_id!r}")
        asked = [_fold(q) for q in entry.questions.get(lang, [])]
        if _fold(text) in asked:
            raise KnowledgeFileError([f"{entry.source}: {text!r} is already a question of {entry_id}"])
        where, _, line_no = entry.source.rpartition(":")
        path = Path(where)
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        lines = _with_question(lines, int(line_no) - 1, lang, text, entry.source)
        wanted = [*entry.questions.get(lang, []), text]
        return _checked_write(path, "".join(lines), entry_id, lambda e: e.questions.get(lang) == wanted)


def _with_question(lines: list[str], start: int, lang: str, text: str, where: str) -> list[str]:
    """`lines` with `text` added to the questions of the entry starting at line `start`."""
    end = _block_end(lines, start + 1, len(lines), 0)
    key = next((i for i in range(start, end) if _QUESTIONS_KEY.match(lines[i])), None)
    if key is None:
        raise KnowledgeFileError([f"{where}: 'questions' is not a block of languages; add the phrasing by hand"])
    key_indent = lines[key].index("questions")
    stop = _block_end(lines, key + 1, end, key_indent)
    flow_item = yaml.dump([text], Dumper=_EntryDumper, allow_unicode=True, width=_WIDE).strip()[1:-1]
    lang_line = re.compile(rf"^(\s+){lang}\s*:\s*(.*?)\s*$")
    found = next(((i, m) for i in range(key + 1, stop) if (m := lang_line.match(lines[i]))), None)
    if found is None:
        inner = next((line for line in lines[key + 1 : stop] if _is_content(line)), None)
        indent = " " * (_indent(inner) if inner else key_indent + 2)
        last = max((i for i in range(key + 1, stop) if lines[i].strip()), default=key)
        return _insert(lines, last + 1, f"{indent}{lang}: [{flow_item}]\n")
    i, match = found
    value, lang_indent = match.group(2), len(match.group(1))
    if value.startswith("["):
        close = next((j for j in range(i, stop) if "]" in _without_comment(lines[j])), None)
        if close is not None:
            body = _without_comment(lines[close])
            cut = body.rindex("]")
            glue = "" if value.replace(" ", "") == "[]" else ", "
            new = body[:cut].rstrip() + glue + flow_item + body[cut:] + lines[close][len(body) :].rstrip("\n") + "\n"
            return lines[:close] + [new] + lines[close + 1 :]
    elif value == "" or value.startswith("#"):
        own = _block_end(lines, i + 1, stop, lang_indent, items_too=False)
        items = [j for j in range(i + 1, own) if lines[j].lstrip().startswith("- ")]
        indent = " " * (_indent(lines[items[-1]]) if items else lang_indent + 2)
        block_item = yaml.safe_dump(text, allow_unicode=True, width=_WIDE).removesuffix("\n...\n").strip()
        return _insert(lines, (items[-1] if items else i) + 1, f"{indent}- {block_item}\n")
    raise KnowledgeFileError([f"{where}: questions.{lang} is not a [a, b] or '- a' list; add the phrasing by hand"])


def _block_end(lines: list[str], first: int, stop: int, indent: int, *, items_too: bool = True) -> int:
    """The first line from `first` that is content indented at most `indent` (ends a YAML block)."""
    for i in range(first, stop):
        line = lines[i]
        if _is_content(line) and _indent(line) <= indent and (items_too or not line.lstrip().startswith("- ")):
            return i
    return stop


def _is_content(line: str) -> bool:
    return bool(line.strip()) and not line.lstrip().startswith("#")


def _insert(lines: list[str], at: int, new: str) -> list[str]:
    before = list(lines[:at])
    if before and not before[-1].endswith("\n"):
        before[-1] += "\n"
    return before + [new] + list(lines[at:])


def _checked_write(
    path: Path, content: str, entry_id: str, intended: Callable[[KnowledgeEntry], bool]
) -> KnowledgeEntry:
    """Load `content` with the knowledge loader; only if it holds the intended entry, replace `path`."""
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / path.name).write_text(content, encoding="utf-8")
        try:
            loaded = load_knowledge(Path(scratch))
        except KnowledgeFileError as exc:
            problems = [p.replace(str(Path(scratch) / path.name), str(path)) for p in exc.problems]
            raise KnowledgeFileError(problems) from exc
    entry = next((e for e in loaded if e.id == entry_id), None)
    if entry is None or not intended(entry):
        raise KnowledgeFileError([f"{path}: the edit would not read back as intended; the file was left unchanged"])
    try:
        write_atomically(path, content)
    except OSError as exc:
        raise KnowledgeFileError([f"{path}: cannot be written ({exc})"]) from exc
    return dataclasses.replace(entry, source=f"{path}:{entry.source.rpartition(':')[2]}")


def write_atomically(path: Path, content: str) -> None:
    """Replace `path` with `content` in one step (a temporary file renamed over it, mode kept), so a
    reader never sees half a file; raises OSError, and then the old file is as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(content)
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise


def _generated_id(category: str, questions: dict[str, list[str]], answer: dict[str, str]) -> str:
    digest = hashlib.sha256(json.dumps([questions, answer], ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    return f"{category}_{digest[:8]}"


def _clean_list(values: Sequence[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        value = " ".join(str(value).split())
        if value and _fold(value) not in map(_fold, out):
            out.append(value)
    return out


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def _has_files(directory: Path) -> bool:
    return directory.is_dir() and any(p.suffix in (".yml", ".yaml") for p in directory.rglob("*"))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _without_comment(line: str) -> str:
    """The line without a trailing ` # comment` (a `#` inside quotes is rare enough to ignore)."""
    body = line.rstrip("\n")
    cut = body.find(" #")
    return body if cut < 0 else body[:cut]
