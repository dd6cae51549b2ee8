"""Coupons and returns/exchanges, as functions of a recorded tracker and the seeded demo store."""

from __future__ import annotations

import json

import pytest

from bot.actions import ActionOfferReturnOptions, ActionShowCoupons
from bot.actions.texts import TEXTS
from tests.unit.bot_env import BotWorld, run, world  # noqa: F401 - fixture
from tests.unit.samples import RETURN_FEE_EN, RETURN_FEE_ZH

RETURNS = ActionOfferReturnOptions()


async def test_coupons_lists_only_the_usable_ones_then_the_knowledge_base(world: BotWorld) -> None:
    reply = await run(ActionShowCoupons(), [("user", "有没有优惠", "ask_coupon")], customer_id="C1001")

    lines = reply.texts[0].splitlines()
    assert lines[0] == "亲，您账户里有 2 张可以用的券："
    assert lines[1].startswith("• 店铺券 满 199 减 20（") and lines[2].startswith("• VIP 专享 10 元无门槛券（")
    assert reply.texts[1] == "店铺首页可以领取满 199 减 20 的店铺券哦。"
    assert reply.slot("failed_turns") == []


async def test_coupons_in_english_for_an_english_shopper(world: BotWorld) -> None:
    reply = await run(ActionShowCoupons(), [("user", "what coupons do i have", "ask_coupon")], customer_id="C1002", lang="en")

    assert reply.texts[0].startswith("You have 1 coupon(s) you can use:\n• New customer coupon: ¥15 off orders over ¥99")


async def test_an_anonymous_shopper_gets_the_knowledge_base_answer(world: BotWorld) -> None:
    reply = await run(ActionShowCoupons(), [("user", "do you have any coupons", "ask_coupon")], customer_id=None, lang="en")

    assert reply.texts == ["You can claim a ¥20-off-¥199 coupon on our home page."]


async def test_a_return_offers_three_concrete_options_as_buttons(world: BotWorld) -> None:
    reply = await run(RETURNS, [("user", "衣服不合适 想退", "request_return")], customer_id="C1003")

    text = reply.texts[0]
    assert text.startswith("亲，牛仔外套 蓝色 XL让您不满意真的抱歉！给您几个方案")
    assert "① 退货退款：免费上门取件，仓库签收后 1–3 个工作日原路退回 ¥349.00" in text
    assert "② 换货：换个尺码或颜色" in text and "③ 不退了：商品留下，送您一张 ¥35 补偿券" in text
    options = [json.loads(b["payload"].removeprefix("/request_return")) for b in reply.buttons[0]]
    assert options == [
        {"order_id": "O20261105006", "return_option": kind} for kind in ("refund", "exchange", "keep_with_coupon")
    ]
    assert reply.slot("order_id") == "O20261105006"


async def test_an_exchange_puts_the_exchange_option_first(world: BotWorld) -> None:
    reply = await run(RETURNS, [("user", "too small, need one size up", "request_exchange")], customer_id="C1005", lang="en")

    assert reply.texts[0].startswith("I'm sorry the Wool coat camel L didn't work out!")
    assert [b["title"] for b in reply.buttons[0]] == ["① Exchange", "② Refund", "③ Keep it + coupon"]
    assert all(b["payload"].startswith("/request_exchange{") for b in reply.buttons[0])


async def test_choosing_an_option_creates_the_return_in_the_store(world: BotWorld) -> None:
    payload = {"order_id": "O20261105006", "return_option": "refund"}
    turns = [("user", "/request_return" + json.dumps(payload), "request_return", payload)]

    reply = await run(RETURNS, turns, customer_id="C1003")

    assert reply.texts[0].startswith("好的亲，已为您提交退货申请 R5004（订单 O20261105006）。快递员会联系您免费上门取件")
    clicked_twice = await run(RETURNS, turns, customer_id="C1003")
    assert clicked_twice.texts[0].startswith("抱歉亲，这个订单暂时不能在线提交退换（order O20261105006 already has return R5004）")
    assert clicked_twice.buttons[0] == [{"title": "转人工", "payload": "/request_human"}]
    typed = await run(RETURNS, [("user", "我要退货", "request_return")], customer_id="C1003")
    assert typed.texts[0].startswith("亲，您最近 7 天内签收的订单里没有可以自助退换的")  # the open return excludes it


async def test_keeping_the_item_requests_the_coupon(world: BotWorld) -> None:
    payload = {"order_id": "O20261116011", "return_option": "keep_with_coupon"}
    turns = [("user", "/request_return" + json.dumps(payload), "request_return", payload)]

    reply = await run(RETURNS, turns, customer_id="C1004")

    assert reply.texts == [TEXTS["return_created_keep"]["zh"].format(coupon=22, return_id="R5004")]


async def test_nothing_to_return_offers_a_person_and_the_policy(world: BotWorld) -> None:
    reply = await run(RETURNS, [("user", "可以退货吗", "request_return")], customer_id="C1001")

    assert reply.texts[0] == TEXTS["return_none_eligible"]["zh"].format(days=7)
    assert reply.buttons[0] == [{"title": "转人工", "payload": "/request_human"}]
    assert reply.texts[1] == "支持 7 天无理由退货，商品需保持完好、吊牌齐全。"


# --- routing that answers what can be answered (issue #18) -----------------------------------


@pytest.mark.parametrize("customer_id", [None, "C1003"])
@pytest.mark.parametrize(
    ("text", "intent", "lang", "answer"),
    [
        ("退货运费谁出", "request_return", "zh", RETURN_FEE_ZH),
        ("who pays for return shipping?", "request_return", "en", RETURN_FEE_EN),
    ],
)
async def test_a_policy_question_gets_the_knowledge_answer_guest_or_not(
    world: BotWorld, customer_id: str | None, text: str, intent: str, lang: str, answer: str
) -> None:
    reply = await run(RETURNS, [("user", text, intent)], customer_id=customer_id, lang=lang)

    assert reply.texts == [answer]
    assert reply.slot("failed_turns") == []


async def test_a_guests_own_order_question_with_a_policy_part_answers_the_policy_first(world: BotWorld) -> None:
    reply = await run(RETURNS, [("user", "我想退货，运费谁出？", "request_return")], customer_id=None)

    assert reply.texts == [RETURN_FEE_ZH, TEXTS["login_needed"]["zh"]]


async def test_a_logged_in_request_to_return_still_offers_the_options(world: BotWorld) -> None:
    reply = await run(RETURNS, [("user", "我想退货，运费谁出？", "request_return")], customer_id="C1003")

    assert reply.texts[0].startswith("亲，牛仔外套 蓝色 XL让您不满意真的抱歉！给您几个方案")
