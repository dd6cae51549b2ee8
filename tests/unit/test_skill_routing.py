"""Skills that fire (#19), end to end: the bot's escalation (action_escalate on a recorded tracker)
carries the skill its intents map to (bot/routing/skills.yml) to a real handoff service, whose
assignment gives the chat to the online agent with that skill, and, when none is free, to anyone
once the chat has waited skill_fallback_seconds."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rasa_sdk.executor import CollectingDispatcher

import bot.actions.resources as resources_module
from bot.actions import ActionEscalate
from bot.actions.skills import skill_for
from handoff_service.app import create_app
from handoff_service.settings import Settings
from tests.conftest import ServerThread, wait_until
from tests.handoff_helpers import IDENTITY_SECRET, add_agent, login, open_chat
from tests.unit.samples import recorded_tracker

SECRET = "unit-test-secret-skills"
RETURN_TURNS = [("user", "这件衣服想退", "request_return"), ("bot", "好的亲"), ("user", "转人工", "request_human")]
PLAIN_TURNS = [("user", "你好", "greet"), ("user", "转人工", "request_human")]


def test_the_newest_mapped_intent_decides_the_skill():
    assert skill_for(recorded_tracker("c", RETURN_TURNS)) == "after_sales"
    assert skill_for(recorded_tracker("c", [("user", "尺码怎么选", "ask_size_advice"), *RETURN_TURNS])) == "after_sales"
    assert skill_for(recorded_tracker("c", PLAIN_TURNS)) is None
    assert skill_for(recorded_tracker("c", PLAIN_TURNS), kb_category="sizing") == "sizing"


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"
    add_agent(url, "rita", skills=["after_sales"], max_concurrent=5)
    add_agent(url, "gina", max_concurrent=5)
    settings = Settings(
        environment="development", database_url=url, handoff_secret=SECRET, identity_secret=IDENTITY_SECRET,
        demo_agent_username=None, store_path=tmp_path / "store.db", skill_fallback_seconds=2, sweep_interval_seconds=0.3,
    )  # fmt: skip
    monkeypatch.setenv("KEFU_KB_KNOWLEDGE_DIR", str(tmp_path / "knowledge"))
    monkeypatch.setenv("KEFU_KB_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("KEFU_STORE_PATH", str(tmp_path / "store.db"))
    monkeypatch.setenv("KEFU_HANDOFF_SECRET", SECRET)
    monkeypatch.setattr(resources_module, "_resources", None)
    with ServerThread(create_app(settings)) as server:
        monkeypatch.setenv("KEFU_HANDOFF_URL", server.url)
        yield server.url
    resources_module.resources().store.close()  # type: ignore[attr-defined]


async def escalate(conversation_id: str, turns: list[tuple[str, ...]]) -> None:
    await ActionEscalate().run(CollectingDispatcher(), recorded_tracker(conversation_id, turns), {})


def owner(http: httpx.Client, url: str, headers: dict[str, str], cid: str) -> int | None:
    return http.get(f"{url}/api/agent/conversations/{cid}", headers=headers).json()["assigned_agent_id"]


async def test_a_return_goes_to_the_after_sales_agent_and_falls_back_after_a_wait(desk: str):
    with httpx.Client(timeout=30) as http:
        rita, gina = login(http, desk, "rita", "password-123"), login(http, desk, "gina", "password-123")
        rita_id = http.get(f"{desk}/api/agent/me", headers=rita).json()["id"]
        gina_id = http.get(f"{desk}/api/agent/me", headers=gina).json()["id"]
        for who in (rita, gina):
            assert http.put(f"{desk}/api/agent/status", json={"status": "online"}, headers=who).status_code in (200, 204)

        # both online: the chat needing after-sales goes to Rita, though Gina has as much room
        cid, _ = open_chat(http, desk)
        await escalate(cid, RETURN_TURNS)
        assert http.get(f"{desk}/api/agent/conversations/{cid}", headers=gina).json()["escalation"]["slots"]["skill"] == "after_sales"
        wait_until(lambda: owner(http, desk, gina, cid) == rita_id, 10)

        # Rita away: the next return waits for her, then, past the fallback, goes to Gina
        http.put(f"{desk}/api/agent/status", json={"status": "away"}, headers=rita)
        second, _ = open_chat(http, desk)
        await escalate(second, RETURN_TURNS)
        queued_at = time.monotonic()
        time.sleep(1.0)
        assert owner(http, desk, gina, second) is None  # still waiting for someone with the skill
        wait_until(lambda: owner(http, desk, gina, second) == gina_id, 10)
        assert time.monotonic() - queued_at >= 1.9

        # a chat needing no skill goes to whoever is free at once
        third, _ = open_chat(http, desk)
        await escalate(third, PLAIN_TURNS)
        wait_until(lambda: owner(http, desk, gina, third) == gina_id, 5)
