"""The skill a chat needs when it goes to people (#19): read from bot/routing/skills.yml (data),
by the newest of the shopper's turns whose intent, or whose knowledge-base category, is mapped.
The escalation packet carries it (slots["skill"]); the desk prefers agents who have it."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker

SKILLS_FILE = Path(__file__).resolve().parent.parent / "routing" / "skills.yml"


@cache
def skill_map(path: Path = SKILLS_FILE) -> tuple[dict[str, str], dict[str, str]]:
    """(intent → skill, knowledge category → skill)."""
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return dict(raw.get("intents") or {}), dict(raw.get("categories") or {})


def skill_for(tracker: Tracker, kb_category: str | None = None) -> str | None:
    """The skill of the newest mapped user intent; else of the knowledge category the bot last used."""
    intents, categories = skill_map()
    for event in reversed(list(tracker.events)):
        if event.get("event") != "user":
            continue
        name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if name in intents:
            return intents[name]
    return categories.get(kb_category) if kb_category else None
