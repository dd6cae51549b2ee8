"""The trainers' NLU files, read and extended by line edits so a git diff shows only what was added.

Rasa reads `nlu_data/<lang>/<group>.yml`, `bot/domain.yml` and `bot/data/rules/`; a trainer (on
the command line or in the console's review inbox) adds one example or one new intent at a time.
Re-dumping the YAML would lose comments and reorder keys, so every write inserts lines into the
file as it is, checks that the result still loads with the meaning intended, and replaces the
file atomically.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from bot_training.yaml_edits import (
    NluFileError,
    insert_line,
    read_lines,
    replace_checked,
)
from kb_index.language import detect_language
from kefu_privacy import mask_pii

__all__ = [
    "BotProject", "DuplicateExample", "Example", "InvalidIntentName", "NluFileError", "UnknownIntent",
    "add_example", "intent_counts", "load_examples",
]  # fmt: skip

LANGUAGES = ("zh", "en")
CUSTOM_GROUP = "custom"
ANSWER_ACTION = "action_answer_from_kb"
# Rasa's own intents: it sets them itself, so a trainer must not create them.
RESERVED_INTENTS = {"nlu_fallback", "restart", "back", "session_start", "out_of_scope"}
_INTENT_NAME = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_ITEM_KEY = re.compile(r"^\s*-\s+(\w+)\s*:\s*(.*?)\s*$")
_INTENT_KEY = re.compile(r"^\s*(?:-\s+)?intent\s*:\s*(.*?)\s*$")
_EXAMPLES_KEY = re.compile(r"^(\s*)(?:-\s+)?examples\s*:\s*\|[-+0-9]*\s*(?:#.*)?$")
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)|\[([^\]]+)\]\{[^}]+\}")
_write_lock = threading.Lock()


@dataclass(frozen=True)
class BotProject:
    """Where a kefu project's trainable files live; `root` is the repo (or a copy of it in tests)."""

    root: Path

    @property
    def nlu_dir(self) -> Path:
        return self.root / "nlu_data"

    @property
    def domain(self) -> Path:
        return self.root / "bot" / "domain.yml"

    @property
    def rules_dir(self) -> Path:
        return self.root / "bot" / "data" / "rules"

    @property
    def knowledge_dir(self) -> Path:
        return self.root / "knowledge"

    @property
    def heldout_dir(self) -> Path:
        return self.root / "tests" / "data" / "nlu"

    @property
    def config(self) -> Path:
        return self.root / "bot" / "config.yml"


class UnknownIntent(NluFileError):
    pass


class DuplicateExample(NluFileError):
    def __init__(self, message: str, intent: str) -> None:
        super().__init__(message)
        self.intent = intent


class InvalidIntentName(NluFileError):
    pass


@dataclass(frozen=True)
class Example:
    intent: str
    text: str
    lang: str
    path: Path
    line: int


@dataclass(frozen=True)
class _Block:
    """An intent's `examples: |` block in one file: where its items are, as 0-based line indexes."""

    intent: str
    key_line: int
    items: tuple[tuple[int, str], ...]
    item_indent: str


def normalise(text: str) -> str:
    """How examples are compared for duplicates: NFKC, case-folded, trimmed."""
    return unicodedata.normalize("NFKC", text).casefold().strip()


def nlu_files(project: BotProject) -> list[tuple[str, Path]]:
    return [(lang, p) for lang in LANGUAGES for p in sorted((project.nlu_dir / lang).glob("*.yml"))]


def load_examples(project: BotProject) -> list[Example]:
    """Every training example under nlu_data/zh and nlu_data/en, with the file and line it is on."""
    return [
        Example(block.intent, text, lang, path, index + 1)
        for lang, path, block in _scan(project)
        for index, text in block.items
    ]


def _scan(project: BotProject) -> list[tuple[str, Path, _Block]]:
    return [(lang, path, block) for lang, path in nlu_files(project) for block in _blocks(read_lines(path))]


def intent_counts(project: BotProject) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for example in load_examples(project):
        counts.setdefault(example.intent, dict.fromkeys(LANGUAGES, 0))[example.lang] += 1
    return counts


def add_example(
    project: BotProject, intent: str, text: str, lang: str | None = None, *, new_intent: bool = False
) -> Example:
    """Append `text` to `intent`'s examples in `lang` (detected when not given) and return where it went.

    With `new_intent`, an intent the data does not know yet is created in the `custom` group and
    listed in the domain with a rule sending it to the knowledge base. Personal data in `text` is
    masked first: the review inbox hands over shoppers' own words, and nlu_data/ is tracked by git.
    """
    intent = intent.strip()
    text = mask_pii(check_text(text))
    lang = lang or detect_language(text)
    if lang not in LANGUAGES:
        raise NluFileError(f"unknown language {lang!r}; use zh or en")
    with _write_lock:
        scanned = _scan(project)
        key = normalise(text)
        for lg, path, block in scanned:
            for index, written in block.items:
                if normalise(written) == key:
                    raise DuplicateExample(
                        f"{text!r} is already an example of {block.intent} ({_short(project, path)}:{index + 1})",
                        block.intent,
                    )
        homes = {(lg, path) for lg, path, block in scanned if block.intent == intent}
        if not homes and not new_intent:
            raise UnknownIntent(f"unknown intent {intent!r}; check its name or create it with --new-intent")
        if not homes:
            check_intent_name(intent)
        path = _home_file(project, intent, lang, homes)
        line = _append_example(path, intent, text)
        if new_intent:
            add_domain_intent(project, intent)
            add_rule(project, intent)
    return Example(intent, text, lang, path, line)


def check_text(text: str) -> str:
    """The example as it will be written, or NluFileError if Rasa would read it differently."""
    text = text.strip()
    if not text:
        raise NluFileError("the example is empty")
    if len(text.splitlines()) > 1 or "\u2028" in text or "\u2029" in text:
        raise NluFileError("an example is one line; write each phrasing as its own example")
    if "${" in text:
        raise NluFileError("an example must not contain '${' (Rasa reads it as an environment variable)")
    if any(unicodedata.category(c) in ("Cc", "Cs") and c != "\t" for c in text) or "\ufeff" in text:
        raise NluFileError("the example contains control characters")
    return text


def check_intent_name(intent: str) -> None:
    if intent in RESERVED_INTENTS:
        raise InvalidIntentName(f"{intent!r} is one of Rasa's own intents; choose another name")
    if len(intent) > 64 or not _INTENT_NAME.match(intent):
        raise InvalidIntentName(
            f"invalid intent name {intent!r}: use lower snake case verb_object, e.g. ask_gift_wrap, track_parcel"
        )


def add_domain_intent(project: BotProject, intent: str) -> None:
    """List `intent` under `intents:` in the domain (after the last one), unless it is there."""
    lines = read_lines(project.domain)
    start = next((i for i, line in enumerate(lines) if re.match(r"^intents\s*:\s*(#.*)?$", line)), None)
    if start is None:
        raise NluFileError(f"{_short(project, project.domain)}: no top-level 'intents:' list")
    last, indent = start, "  "
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            break
        last = i
        if item := re.match(r"^(\s+)-\s+['\"]?([^'\":#\s]+)", line):
            indent = item.group(1)
            if item.group(2) == intent:
                return

    def listed(data: dict) -> bool:
        return any(intent == (next(iter(item)) if isinstance(item, dict) else item) for item in data["intents"])

    replace_checked(project.domain, insert_line(lines, last + 1, f"{indent}- {intent}\n"), listed)


def add_rule(project: BotProject, intent: str) -> None:
    """Send `intent` to the knowledge-base action with a rule in rules/custom.yml, unless a rule has it."""
    pattern = re.compile(rf"^\s*-\s+intent\s*:\s*['\"]?{re.escape(intent)}['\"]?\s*(#.*)?$")
    for path in sorted(project.rules_dir.glob("*.yml")):
        if any(pattern.match(line) for line in read_lines(path)):
            return
    path = project.rules_dir / f"{CUSTOM_GROUP}.yml"
    lines = read_lines(path) if path.exists() else [
        'version: "3.1"\n',
        "\n",
        "# Intents trainers created (kefu nlu add --new-intent): the knowledge base answers them.\n",
        "rules:\n",
    ]
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    rule = [
        *([] if re.match(r"^rules\s*:\s*$", lines[-1]) else ["\n"]),
        f"  - rule: answer {intent} from the knowledge base\n",
        "    steps:\n",
        f"      - intent: {intent}\n",
        f"      - action: {ANSWER_ACTION}\n",
    ]

    def has_rule(data: dict) -> bool:
        return any(step.get("intent") == intent for rule in data.get("rules") or [] for step in rule["steps"])

    replace_checked(path, lines + rule, has_rule)


def _home_file(project: BotProject, intent: str, lang: str, homes: set[tuple[str, Path]]) -> Path:
    """The file where `intent` lives in `lang`; else its group's file name from the other language."""
    same = sorted(p for lg, p in homes if lg == lang)
    if same:
        return same[0]
    other = sorted(p.name for _, p in homes)
    name = other[0] if other else f"{CUSTOM_GROUP}.yml"
    return project.nlu_dir / lang / name


def _append_example(path: Path, intent: str, text: str) -> int:
    """Insert `- text` after the last example of `intent` in `path` (adding the block if needed); its line."""
    lines = read_lines(path) if path.exists() else ['version: "3.1"\n', "nlu:\n"]
    block = next((b for b in _blocks(lines) if b.intent == intent), None)
    if block is None:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        if not any(re.match(r"^nlu\s*:", line) for line in lines):
            raise NluFileError(f"{path}: no top-level 'nlu:' list")
        gap = [] if re.match(r"^nlu\s*:\s*$", lines[-1]) else ["\n"]
        lines += gap + [f"  - intent: {intent}\n", "    examples: |\n"]
        at, indent = len(lines), "      "
    else:
        at = (block.items[-1][0] if block.items else block.key_line) + 1
        indent = block.item_indent
    new_lines = insert_line(lines, at, f"{indent}- {text}\n")

    def written(data: dict) -> bool:
        blocks = [b for b in data.get("nlu") or [] if isinstance(b, dict) and b.get("intent") == intent]
        return any(text in [ln.strip()[2:].strip() for ln in b["examples"].splitlines()] for b in blocks)

    replace_checked(path, new_lines, written)
    return at + 1


def _blocks(lines: list[str]) -> list[_Block]:
    """The `examples: |` blocks of intents in a Rasa NLU file, found line by line."""
    blocks: list[_Block] = []
    intent: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if (found := _INTENT_KEY.match(line)) and not line.lstrip().startswith("#"):
            intent = found.group(1).split(" #")[0].strip().strip("'\"")
        elif (item := _ITEM_KEY.match(line)) and item.group(1) not in ("intent", "examples"):
            intent = None
        if not (key := _EXAMPLES_KEY.match(line)):
            i += 1
            continue
        key_indent = line.index("examples")
        items: list[tuple[int, str]] = []
        item_indent = " " * (key_indent + 2)
        j = i + 1
        while j < len(lines) and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip(" ")) > key_indent):
            stripped = lines[j].strip()
            if stripped.startswith("- ") or stripped == "-":
                if not items:
                    item_indent = lines[j][: len(lines[j]) - len(lines[j].lstrip(" "))]
                items.append((j, _ANNOTATION.sub(r"\1\2", stripped[2:]).strip()))
            j += 1
        if intent is not None:
            blocks.append(_Block(intent, i, tuple(items), item_indent))
        i = j
    return blocks


def _short(project: BotProject, path: Path) -> str:
    try:
        return str(path.relative_to(project.root))
    except ValueError:
        return str(path)
