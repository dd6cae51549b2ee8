"""Suggested replies for agents: the knowledge base's best answers to the shopper's last
message, and canned replies with variables filled from the customer's latest order."""

from __future__ import annotations

import asyncio
import logging
import string
import threading
from pathlib import Path
from typing import Any

import yaml

from handoff_service.core.errors import KefuError
from kb_index.errors import KnowledgeError
from kb_index.settings import KbSettings

log = logging.getLogger(__name__)


class SuggestionsUnavailable(KefuError):
    status_code = 503
    code = "suggestions_unavailable"


def load_canned(path: Path) -> list[dict[str, Any]]:
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        log.warning("handoff.canned.unreadable", extra={"path": str(path), "error": str(exc)})
        return []
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("text"), dict)]


def fill(template: str, values: dict[str, str]) -> str | None:
    """The template with its {variables} filled, or None when one of them is unknown."""
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    if not names <= {k for k, v in values.items() if v}:
        return None
    return template.format(**values)


class Suggester:
    def __init__(self, kb: KbSettings, canned_path: Path) -> None:
        self._kb = kb
        self._canned = load_canned(canned_path)
        self._live: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        """The knowledge base as last indexed (a retrain's rebuild is picked up within a second)."""
        with self._lock:
            if self._live is None:
                from kb_index.encoder import shared_encoder
                from kb_index.live import LiveSearcher

                kb = self._kb
                self._live = LiveSearcher(
                    kb.knowledge_dir, kb.index_dir, lambda: shared_encoder(kb.model), kb.threshold, kb.hybrid_weight
                )
        return self._live.current()

    async def knowledge(self, text: str, lang: str, k: int = 3) -> list[dict[str, Any]]:
        if not text:
            return []
        try:
            searcher = await asyncio.to_thread(self._load)
            result = await asyncio.to_thread(searcher.search, text, k)
        except KnowledgeError as exc:
            raise SuggestionsUnavailable(f"the knowledge base cannot be searched: {exc}") from exc
        # Only answers the bot itself would trust: a wrong suggestion costs the agent time.
        return [
            {"id": h.entry.id, "score": round(h.score, 3), "text": h.entry.answer_in(lang)}
            for h in result.hits
            if h.score >= searcher.threshold
        ]

    def canned(self, lang: str, values: dict[str, str]) -> list[dict[str, Any]]:
        out = []
        for entry in self._canned:
            template = entry["text"].get(lang) or entry["text"].get("zh", "")
            text = fill(template, values)
            if text is not None:
                title = entry.get("title", {})
                out.append({"id": entry.get("id"), "title": title.get(lang, entry.get("id")) if isinstance(title, dict) else title, "text": text})
        return out
