"""Line edits of the bot's YAML files: checked to read back as intended, then replaced atomically."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from kb_index.authoring import write_atomically


class NluFileError(Exception):
    """A trainer's edit cannot be made; the message is one line, fit for a CLI or an HTTP 4xx."""


def read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines(keepends=True)
    except (OSError, UnicodeDecodeError) as exc:
        raise NluFileError(f"{path}: cannot be read ({exc})") from exc


def insert_line(lines: list[str], at: int, new: str) -> list[str]:
    before = list(lines[:at])
    if before and not before[-1].endswith("\n"):
        before[-1] += "\n"
    return before + [new] + list(lines[at:])


def replace_checked(path: Path, lines: list[str], check: Callable[[dict], bool]) -> None:
    """Replace `path` atomically with `lines`, after checking they load as YAML and `check(data)` holds."""
    content = "".join(lines)
    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        raise NluFileError(f"{path}: the edit would not be valid YAML ({exc.__class__.__name__})") from exc
    try:
        intended = isinstance(data, dict) and check(data)
    except (KeyError, TypeError, AttributeError):
        intended = False
    if not intended:
        raise NluFileError(f"{path}: the edit would not read back as intended; the file was left unchanged")
    try:
        write_atomically(path, content)
    except OSError as exc:
        raise NluFileError(f"{path}: cannot be written ({exc})") from exc
