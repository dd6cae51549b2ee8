"""Checks of the trainers' NLU data that Rasa does not make, then Rasa's own `data validate`.

Each finding says where (file:line) and how bad: an error makes the bot learn something wrong or
not start (the same example under two intents, an intent Rasa's domain or rules do not know); a
warning is worth a look (few examples, a message in the other language's folder, near-duplicates).
"""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import yaml

from bot_training.nlu_files import (
    LANGUAGES,
    BotProject,
    Example,
    load_examples,
    normalise,
)
from bot_training.settings import child_environment
from kb_index.encoder import Encoder

Severity = Literal["error", "warning"]
DEFAULT_MIN_EXAMPLES = 10
NEAR_DUPLICATE_COSINE = 0.95
RASA_TIMEOUT_SECONDS = 600
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_CHUNK = 1024


@dataclass(frozen=True)
class Finding:
    severity: Severity
    kind: str
    message: str
    path: Path | None = None
    line: int | None = None

    def where(self, root: Path | None = None) -> str:
        if self.path is None:
            return ""
        path = self.path
        if root is not None and path.is_relative_to(root):
            path = path.relative_to(root)
        return f"{path}:{self.line}" if self.line else str(path)

    @classmethod
    def at(cls, example: Example | None, severity: Severity, kind: str, message: str) -> Finding:
        return cls(severity, kind, message, example.path if example else None, example.line if example else None)

    def as_json(self, root: Path | None = None) -> dict[str, object]:
        return {"severity": self.severity, "kind": self.kind, "where": self.where(root), "message": self.message}


def validate(
    project: BotProject,
    *,
    min_examples: int = DEFAULT_MIN_EXAMPLES,
    encoder: Encoder | None = None,
    rasa: Path | None = None,
    near_cosine: float = NEAR_DUPLICATE_COSINE,
) -> list[Finding]:
    """Every finding, errors first; the encoder and Rasa checks run only when they are given."""
    examples = load_examples(project)
    findings = [
        *unreadable(project),
        *duplicates(examples),
        *few_examples(examples, domain_intents(project), min_examples),
        *language_mismatches(examples),
        *unknown_to_the_bot(project, examples),
    ]
    if encoder is not None:
        findings += near_duplicates(examples, encoder, near_cosine)
    if rasa is not None:
        findings += rasa_validation(project, rasa)
    return sorted(findings, key=lambda f: (f.severity != "error", f.kind, str(f.path), f.line or 0))


def unreadable(project: BotProject) -> Iterable[Finding]:
    """YAML files Rasa would refuse (the line-based checks would silently see less in them)."""
    files = [p for lang in LANGUAGES for p in sorted((project.nlu_dir / lang).glob("*.yml"))]
    files += [project.domain, *sorted(project.rules_dir.parent.rglob("*.yml"))]
    for path in files:
        try:
            yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            yield Finding("error", "yaml", f"cannot be read: {exc.strerror}", path)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            yield Finding("error", "yaml", f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
                          path, mark.line + 1 if mark else None)


def duplicates(examples: list[Example]) -> Iterable[Finding]:
    """The same example twice in one intent (a warning) or under two intents (an error: the model is told both)."""
    seen: dict[str, Example] = {}
    for example in examples:
        key = normalise(example.text)
        first = seen.setdefault(key, example)
        if first is example:
            continue
        if first.intent == example.intent:
            message = f"{example.text!r} is written twice in {example.intent} (first at {_short(first)})"
            yield Finding.at(example, "warning", "duplicate", message)
        else:
            message = f"{example.text!r} is an example of both {first.intent} ({_short(first)}) and {example.intent}"
            yield Finding.at(example, "error", "conflict", message)


def few_examples(examples: list[Example], declared: set[str], minimum: int) -> Iterable[Finding]:
    """Intents with fewer than `minimum` examples in a language (declared intents with none count too)."""
    counts = {intent: dict.fromkeys(LANGUAGES, 0) for intent in declared - {"nlu_fallback"}}
    first: dict[str, Example] = {}
    for example in examples:
        counts.setdefault(example.intent, dict.fromkeys(LANGUAGES, 0))[example.lang] += 1
        first.setdefault(example.intent, example)
    for intent, by_lang in sorted(counts.items()):
        for lang, n in by_lang.items():
            if n < minimum:
                message = f"{intent} has {n} {lang} example(s); at least {minimum} wanted"
                yield Finding.at(first.get(intent), "warning", "few_examples", message)


def language_mismatches(examples: list[Example]) -> Iterable[Finding]:
    """English-only text under zh/, or mostly-Chinese text under en/ (mixed messages are fine)."""
    for example in examples:
        han, latin = len(_HAN.findall(example.text)), len(_LATIN.findall(example.text))
        what = f"{example.text!r} ({example.intent})"
        if example.lang == "zh" and han == 0 and latin > 0:
            yield Finding.at(example, "warning", "language", f"{what} looks English but is under zh/")
        elif example.lang == "en" and han > latin:
            yield Finding.at(example, "warning", "language", f"{what} looks Chinese but is under en/")


def unknown_to_the_bot(project: BotProject, examples: list[Example]) -> Iterable[Finding]:
    """Intents with examples that the domain does not list or that no rule or story handles."""
    declared, handled = domain_intents(project), handled_intents(project)
    first: dict[str, Example] = {}
    for example in examples:
        first.setdefault(example.intent, example)
    domain = project.domain.relative_to(project.root) if project.domain.is_relative_to(project.root) else project.domain
    for intent, example in sorted(first.items()):
        if intent not in declared:
            yield Finding.at(example, "error", "domain", f"{intent} is not listed under 'intents:' in {domain}")
        if intent not in handled:
            yield Finding.at(example, "error", "rule", f"no rule or story in bot/data handles {intent}")


def near_duplicates(
    examples: list[Example], encoder: Encoder, cosine: float = NEAR_DUPLICATE_COSINE
) -> Iterable[Finding]:
    """Pairs of examples of different intents that the encoder finds almost the same (cosine ≥ `cosine`)."""
    if len(examples) < 2:
        return
    vectors = np.asarray(encoder.encode([e.text for e in examples]), dtype=np.float32)
    intents = np.array([e.intent for e in examples])
    keys = [normalise(e.text) for e in examples]
    for start in range(0, len(examples), _CHUNK):
        scores = vectors[start : start + _CHUNK] @ vectors.T
        for row, col in zip(*np.nonzero(scores >= cosine), strict=True):
            i, j = start + int(row), int(col)
            if j <= i or intents[i] == intents[j] or keys[i] == keys[j]:
                continue
            a, b = examples[i], examples[j]
            score = float(scores[row, col])
            message = f"{a.text!r} ({a.intent}) ≈ {b.text!r} ({b.intent}, {_short(b)}), cosine {score:.2f}"
            yield Finding.at(a, "warning", "near_duplicate", message)


def rasa_validation(project: BotProject, rasa: Path) -> list[Finding]:
    """Run `rasa data validate` on the project; its warnings and errors, and a failed exit, are findings."""
    command = [
        str(rasa.resolve()), "data", "validate",
        "--domain", "bot/domain.yml",
        "--data", "bot/data", "nlu_data",
        "--config", str(project.config.relative_to(project.root)),
    ]  # fmt: skip
    try:
        result = subprocess.run(
            command, cwd=project.root, env=child_environment({}), capture_output=True, text=True,
            timeout=RASA_TIMEOUT_SECONDS, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [Finding("error", "rasa", f"rasa data validate could not run: {exc}")]
    lines = [_ANSI.sub("", line).strip() for line in (result.stdout + result.stderr).splitlines()]
    warned = [line.split("UserWarning:", 1)[1].strip() for line in lines if "UserWarning:" in line]
    findings = [Finding("warning", "rasa", message) for message in warned]
    errors = [line for line in lines if re.search(r"\sERROR\s|^rasa\.\S*(Error|Exception)\b|^\w*Error:", line)]
    findings += [Finding("error", "rasa", line) for line in errors]
    if result.returncode != 0:
        tail = errors[-1] if errors else next((line for line in reversed(lines) if line), "no output")
        findings.append(Finding("error", "rasa", f"rasa data validate failed (exit {result.returncode}): {tail}"))
    return findings


def domain_intents(project: BotProject) -> set[str]:
    data = _yaml(project.domain)
    return {_name(item) for item in data.get("intents") or []} - {""}


def handled_intents(project: BotProject) -> set[str]:
    """Intents named by a step of any rule or story under bot/data (including `or:` alternatives)."""
    found: set[str] = set()
    for path in sorted(project.rules_dir.parent.rglob("*.yml")):
        data = _yaml(path)
        for flow in [*(data.get("rules") or []), *(data.get("stories") or [])]:
            for step in (flow.get("steps") or []) if isinstance(flow, dict) else []:
                for item in [step, *step.get("or", [])] if isinstance(step, dict) else []:
                    if isinstance(item, dict) and item.get("intent"):
                        found.add(str(item["intent"]))
    return found


def _short(example: Example) -> str:
    return f"{example.path.parent.name}/{example.path.name}:{example.line}"


def _name(item: object) -> str:
    """An intent entry of the domain: `- greet` or `- greet: {use_entities: …}`."""
    if isinstance(item, dict):
        return str(next(iter(item), ""))
    return str(item)


def _yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def count_by_severity(findings: list[Finding]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for finding in findings:
        counts[finding.severity] += 1
    return {"error": counts["error"], "warning": counts["warning"]}
