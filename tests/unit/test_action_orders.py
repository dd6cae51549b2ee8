"""Order and refund status, as functions of a recorded tracker and the seeded demo store."""

from __future__ import annotations

import json

import pytest

from bot.actions import ActionCheckOrderStatus, ActionCheckRefundStatus
from bot.actions.texts import TEXTS
from tests.unit.bot_env import BotWorld, run, world  # noqa: F401 - fixture

ORDER_STATUS = ActionCheckOrderStatus()


async def test_several_open_orders_make_the_bot_ask_which_one(world: BotWorld) -> None:
    reply = await run(ORDER_STATUS, [("user", "我的快递到哪了", "ask_order_status")], customer_id="C1001")

    assert reply.texts == ["亲，您有 2 个订单还没收货，想查哪一个呢？"]
    payloads = [b["payload"] for b in reply.buttons[0]]
    assert [json.loads(p.removeprefix("/ask_order_status"))["order_id"] for p in payloads] == ["O20261118003", "O20261111002"]
    assert world.packets == []


async def test_the_chosen_order_shows_carrier_tracking_number_and_latest_event(world: BotWorld) -> None:
    turns = [("user", "/ask_order_status{\"order_id\":\"O20261111002\"}", "ask_order_status", {"order_id": "O20261111002"})]

    reply = await run(ORDER_STATUS, turns, customer_id="C1001")

    assert "订单 O20261111002（加厚羽绒服 黑色 L 等2件）已由顺丰速运发出，单号 SF1420098877。" in reply.text
    assert "【上海浦东集散中心】快件到达，正在安排派送" in reply.text
    assert "没有更新" not in reply.text  # moving: 6 hours ago
    assert reply.slot("order_id") == "O20261111002"


async def test_an_order_number_typed_inline_without_its_prefix_is_found(world: BotWorld) -> None:
    reply = await run(ORDER_STATUS, [("user", "帮我看看 20261118003 这单", "ask_order_status")], customer_id="C1001")

    assert reply.texts == [TEXTS["order_paid"]["zh"].format(order_id="O20261118003", items="保湿精华 30ml")]


async def test_a_parcel_stuck_for_more_than_48_hours_is_admitted_and_a_person_offered(world: BotWorld) -> None:
    reply = await run(ORDER_STATUS, [("user", "where is my order", "ask_order_status")], customer_id="C1002", lang="en")

    assert "Latest update" in reply.texts[0] and "Arrived at Guangzhou hub" in reply.texts[0]
    assert reply.texts[1].startswith("The tracking hasn't moved for 60 hours")
    assert [b["payload"] for b in reply.buttons[0]] == ["/request_human", "/thanks"]


async def test_an_unknown_order_number_lists_the_shoppers_orders(world: BotWorld) -> None:
    reply = await run(ORDER_STATUS, [("user", "订单O99999999999到哪了", "ask_order_status")], customer_id="C1003")

    assert reply.texts == ["亲，您的账号下没有找到订单 O99999999999，请核对一下订单号，或者从下面选一个："]
    assert len(reply.buttons[0]) == 2


async def test_an_anonymous_shopper_is_asked_to_log_in(world: BotWorld) -> None:
    reply = await run(ORDER_STATUS, [("user", "where's my package", "ask_order_status")], customer_id=None, lang="en")

    assert reply.texts == [TEXTS["login_needed"]["en"]]


async def test_a_delivered_order_says_when(world: BotWorld) -> None:
    reply = await run(ORDER_STATUS, [("user", "我的订单呢", "ask_order_status")], customer_id="C1003")

    assert reply.text.startswith("订单 O20261105006（牛仔外套 蓝色 XL）已于 ")
    assert "签收人：快递柜" in reply.text


async def test_refund_status_lists_the_shoppers_returns(world: BotWorld) -> None:
    reply = await run(ActionCheckRefundStatus(), [("user", "退款到哪了", "ask_refund_status")], customer_id="C1004")

    assert reply.texts == ["亲，您的退换货进度：\n• R5002（订单 O20261108010）：正在寄回仓库的路上，仓库签收后审核退款"]


@pytest.mark.parametrize("customer_id", ["C1001", None])
async def test_without_returns_the_knowledge_base_answers_refund_questions(world: BotWorld, customer_id: str | None) -> None:
    reply = await run(ActionCheckRefundStatus(), [("user", "can I return this item", "ask_refund_status")], customer_id=customer_id, lang="en")

    assert reply.texts[-1] == "支持 7 天无理由退货，商品需保持完好、吊牌齐全。"
    assert (TEXTS["no_returns"]["en"] in reply.texts) == (customer_id is not None)


async def test_a_phone_number_is_not_taken_for_an_order_number(world: BotWorld) -> None:
    turns = [("user", "手机号13812345678 的订单到哪了", "ask_order_status", {"order_id": "13812345678", "phone": "13812345678"})]

    reply = await run(ORDER_STATUS, turns, customer_id="C1002")

    assert "Arrived at Guangzhou hub" in reply.text or "Guangzhou" in reply.text
