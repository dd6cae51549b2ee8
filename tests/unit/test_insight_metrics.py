"""Each figure of the service insight (handoff_service/insight/facts.py, metrics.py) checked on
small hand-made histories written as the service records them, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from handoff_service.core.db import make_engine, migrate
from handoff_service.insight import history
from handoff_service.insight.history import ChatStory
from handoff_service.insight.metrics import PlacedOrder
from handoff_service.insight.periods import Period
from handoff_service.insight.service import InsightService
from tests.handoff_helpers import database

TZ = "Asia/Shanghai"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment of December 2026 in the store's time zone."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path) as database_url:
        yield database_url


def figures_of(url: str, stories: list[ChatStory], period: Period, orders: list[PlacedOrder] = (), **kw: Any) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        engine = make_engine(url)
        try:
            await migrate(engine)
            async with engine.begin() as conn:
                ids = {e["payload"]["agent_id"] for s in stories for e in s.events if e["payload"].get("agent_id")}
                await conn.run_sync(history.add_agents, {i: f"Agent {i}" for i in ids})
                await conn.run_sync(history.write, stories)
            service = InsightService(engine, orders=lambda start, end: [o for o in orders if start <= o.created_at < end], timezone=TZ, business_hours=(9, 18))
            return await service.figures(period, **kw)
        finally:
            await engine.dispose()

    return asyncio.run(main())


DEC_2 = Period(dt.date(2026, 12, 2), dt.date(2026, 12, 2), TZ)


def test_containment_escalation_reasons_and_a_chat_over_midnight_counted_on_its_first_day(url: str) -> None:
    bot_only = ChatStory(local(2, 10), "C1").shopper(0, "几天发货").bot(1, "48小时内", intent="ask_shipping", kb_entry="shipping_time")
    over_midnight = (
        ChatStory(local(2, 23, 58), "C2").shopper(0, "转人工").escalate(5, "explicit_request").join(65, 7)
        .agent(95, "您好").close(400)
    )  # fmt: skip
    next_day = ChatStory(local(3, 0, 1), "C3").shopper(0, "hi").bot(1, "hello", intent="greet")
    before = ChatStory(local(1, 23, 59), "C4").shopper(0, "在吗").bot(1, "在", intent="greet")
    upset = ChatStory(local(2, 12), "C5").shopper(0, "太差了").escalate(3, "upset").abandon(200)
    figs = figures_of(url, [bot_only, over_midnight, next_day, before, upset], DEC_2)
    assert figs["conversations"] == 3
    assert figs["containment"] == round(1 / 3, 4)  # the abandoned chat is not contained
    assert figs["escalation_reasons"] == {"explicit_request": 1, "upset": 1}
    assert figs["abandoned_in_queue"] == 1 and figs["abandonment"] == 0.5
    assert figs["wait_seconds"]["p50"] == 60.0
    assert figs["first_response_seconds"]["p50"] == 90.0  # from the escalation, not from the join
    assert figs["handle_seconds"]["p50"] == 335.0
    assert figs["heatmap"][2][23] == 1 and figs["heatmap"][2][10] == 1  # Wednesday 23:00 and 10:00 local
    assert [d["chats"] for d in figs["by_day"]] == [3]
    assert figs["messages"] == {"shopper": 3, "bot": 1, "agent": 1}


def test_frt_nrt_and_handle_time_follow_a_transfer_between_agents(url: str) -> None:
    chat = (
        ChatStory(local(2, 9), "C1").shopper(0, "退货").escalate(10, "returns").join(20, 1).agent(40, "您好")
        .shopper(50, "怎么退").shopper(55, "?").agent(80, "这样退").transfer(100, 2).shopper(110, "好的")
        .agent(130, "还有吗").close(160)
    )  # fmt: skip
    figs = figures_of(url, [chat], DEC_2)
    assert figs["first_response_seconds"]["p50"] == 30.0
    assert figs["next_response_seconds"]["count"] == 2  # 50→80 and 110→130
    assert figs["next_response_seconds"]["p90"] == 30.0
    assert figs["transfers"] == 1
    by_agent = figs["by_agent"]
    assert list(by_agent) == ["2"]  # the chat is the last holder's
    assert by_agent["2"]["handle_mean"] == 140.0  # both agents' time: 80 s + 60 s


def test_a_reopened_chat_counts_two_escalations_and_its_second_first_response(url: str) -> None:
    chat = (
        ChatStory(local(2, 14), "C1").shopper(0, "物流").escalate(5, "order_issue").join(15, 3).agent(25, "查到了")
        .hand_back(60, "resolved").shopper(100, "还是没到").escalate(110, "order_issue").join(170, 3)
        .agent(230, "加急").close(300)
    )  # fmt: skip
    requeued = (
        ChatStory(local(2, 15), "C2").escalate(0, "explicit_request").join(10, 4).requeue(30, "returns")
        .join(90, 5).agent(100, "hi").close(120)
    )  # fmt: skip
    figs = figures_of(url, [chat, requeued], DEC_2)
    assert figs["escalations"] == 3 and figs["escalated"] == 2 and figs["reopened"] == 1
    assert sorted(figs["escalation_reasons"].items()) == [("explicit_request", 1), ("order_issue", 2)]
    # FRT: 20 s and 120 s (the reopened chat), 100 s (the requeue continues the same wait)
    assert figs["first_response_seconds"]["count"] == 3
    assert figs["first_response_seconds"]["p50"] == 100.0
    assert figs["wait_seconds"]["p90"] == 60.0


def test_resolution_and_first_contact_resolution_by_topic_within_seven_days(url: str) -> None:
    first = ChatStory(local(2, 10), "C1").shopper(0, "优惠券").bot(1, "有", intent="ask_coupon", kb_entry="coupons")
    again_same_topic = ChatStory(local(8, 10), "C1").shopper(0, "优惠券怎么用").bot(1, "这样", intent="ask_coupon", kb_entry="coupons")
    other = ChatStory(local(2, 11), "C2").shopper(0, "发货").bot(1, "48h", intent="ask_shipping", kb_entry="shipping_time")
    other_topic_later = ChatStory(local(3, 11), "C2").shopper(0, "退货").bot(1, "7天", intent="ask_returns", kb_entry="returns")
    late = ChatStory(local(2, 12), "C3").shopper(0, "发票").bot(1, "可以", intent="ask_invoice")
    after_a_week = ChatStory(local(9, 13), "C3").shopper(0, "发票").bot(1, "可以", intent="ask_invoice")
    unresolved = ChatStory(local(2, 13), "C4").escalate(0).join(5, 1).agent(6, "稍等").hand_back(30, "unresolved")
    figs = figures_of(url, [first, again_same_topic, other, other_topic_later, late, after_a_week, unresolved], DEC_2)
    assert figs["resolution"] == 0.75
    assert figs["first_contact_resolution"] == 0.5  # C1 came back about coupons within 7 days
    assert figs["by_topic"]["coupons"]["first_contact_resolution"] == 0.0
    assert figs["by_topic"]["explicit_request"]["chats"] == 1  # no bot turn: the escalation's reason


def test_csat_nps_conversion_and_returns_avoided(url: str) -> None:
    served = ChatStory(local(2, 10), "C1").escalate(0).join(5, 1).agent(10, "hi").start_return(20, "exchange").close(30).rate(40, 5)
    low = ChatStory(local(2, 11), "C2").escalate(0).join(5, 1).agent(10, "hi").start_return(20, "refund").close(30).rate(40, 2)
    handed = (
        ChatStory(local(2, 12), "C3").escalate(0).join(5, 2).agent(10, "hi").hand_back(20)
        .survey(25, "csat", "handback", 4).survey(30, "nps", "nps", 10)
    )  # fmt: skip
    bot = ChatStory(local(2, 13), None).bot(1, "hi", intent="greet").survey(30, "nps", "nps", 3)
    orders = [
        PlacedOrder("C1", local(3, 9), 199.0),  # 23 h later: converted
        PlacedOrder("C2", local(3, 12), 88.0),  # 25 h later: not
    ]
    figs = figures_of(url, [served, low, handed, bot], DEC_2, orders)
    assert figs["csat"]["answers"] == 3 and figs["csat"]["satisfied"] == round(2 / 3, 4)
    assert figs["csat"]["by_context"]["handback"]["mean"] == 4
    assert figs["nps"] == {"answers": 2, "promoters": 1, "detractors": 1, "nps": 0.0}
    assert figs["conversion"] == {"chats_with_customer": 3, "converted": 1, "rate": round(1 / 3, 4)}
    assert figs["returns"] == {"started": 2, "avoided": 1, "rate_avoided": 0.5}
    assert figs["by_agent"]["1"]["csat"]["mean"] == 3.5


def test_business_hours_only_and_the_previous_period(url: str) -> None:
    day = ChatStory(local(2, 10), "C1").bot(1, "hi", intent="greet")
    night = ChatStory(local(2, 22), "C2").bot(1, "hi", intent="greet")
    yesterday = ChatStory(local(1, 10), "C3").bot(1, "hi", intent="greet")
    assert figures_of(url, [day, night, yesterday], DEC_2, business_hours_only=True)["conversations"] == 1
    assert DEC_2.previous() == Period(dt.date(2026, 12, 1), dt.date(2026, 12, 1), TZ)
    assert Period.iso_week("2026-W48", TZ).first == dt.date(2026, 11, 23)


def test_demo_history_is_repeatable_marked_as_demo_and_its_orders_reach_the_store_over_http(tmp_path: Path, serve: Any) -> None:
    from handoff_service.insight import demo_history
    from store import DemoStore, HttpStore
    from store.api import create_app as store_api

    day = dt.date(2026, 11, 29)
    first, again = (demo_history.generate(1, 5, day, TZ, chats_per_day=10) for _ in range(2))
    assert [s.id for s in first.stories] == [s.id for s in again.stories] and len(first.stories) >= 60
    assert all(s.demo for s in first.stories)
    store = DemoStore(tmp_path / "store.db")
    url = f"sqlite+aiosqlite:///{tmp_path / 'kefu.db'}"

    async def main() -> tuple[dict[str, int], dict[str, int], dict[str, Any]]:
        engine = make_engine(url)
        try:
            await migrate(engine)
            written = await demo_history.seed(engine, 1, 5, day, TZ, store, chats_per_day=10)
            twice = await demo_history.seed(engine, 1, 5, day, TZ, store, chats_per_day=10)
            week = Period(day - dt.timedelta(days=6), day, TZ)
            return written, twice, await InsightService(engine, timezone=TZ).figures(week)
        finally:
            await engine.dispose()

    written, twice, figs = asyncio.run(main())
    assert twice == {"chats": 0, "already_seeded": written["chats"]}
    assert figs["conversations"] == figs["demo_conversations"] == written["chats"]
    with serve(store_api(store)) as server:
        placed = HttpStore(server.url).orders_placed(Period(day, day, TZ).start - dt.timedelta(days=40), Period(day, day, TZ).end + dt.timedelta(days=2))
    assert len([o for o in placed if o.order_id.startswith("DO")]) == written["orders"]  # besides the demo store's own
    store.close()
