"""The escalation policy: reason codes and priorities, through the actions and on its own."""

from __future__ import annotations

import pytest

from bot.actions import ActionAnswerFromKb, ActionCheckOrderStatus, ActionEscalate, ActionShowCoupons
from bot.actions.policy import after_failure, priority
from bot.actions.risk import high_risk
from bot.actions.texts import TEXTS
from kefu_contract.packet import CustomerProfile
from tests.unit.bot_env import BotWorld, run, world  # noqa: F401 - fixture

KB = ActionAnswerFromKb()


async def test_an_upset_shopper_gets_the_empathic_holding_message_then_a_person(world: BotWorld) -> None:
    reply = await run(ActionCheckOrderStatus(), [("user", "下单3天了还没发，你们在搞什么？", "ask_order_status")], customer_id="C1003")

    assert reply.texts == []  # the holding message travels in the packet, shown before the queue notice
    [packet] = world.packets
    assert packet["holding_message"] == TEXTS["hold_upset"]["zh"]
    assert (packet["reason"], packet["priority"], packet["language"]) == ("upset", "urgent", "zh")  # a past complaint
    assert packet["customer"]["past_complaints"] == 1
    shopper = packet["transcript"][-1]
    assert (shopper["intent"], shopper["upset"]) == ("ask_order_status", True) and shopper["sentiment"] == 1.0


async def test_upset_in_english_is_held_in_english_and_important_for_an_ordinary_customer(world: BotWorld) -> None:
    reply = await run(ActionShowCoupons(), [("user", "this is ridiculous, my coupon vanished!!", "ask_coupon")], customer_id="C1002", lang="zh")

    assert reply.texts == []  # said by the handoff service, before the queue notice
    assert world.packets[0]["holding_message"] == TEXTS["hold_upset"]["en"]
    assert (world.packets[0]["reason"], world.packets[0]["priority"], world.packets[0]["language"]) == ("upset", "important", "en")


async def test_a_complaint_is_handed_over_as_upset(world: BotWorld) -> None:
    await run(ActionEscalate(), [("user", "我想投诉一下", "file_complaint")], customer_id="C1004")

    assert world.packets[0]["reason"] == "upset"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("我的信用卡被扣了两次钱", "payment_dispute"),
        ("I was charged twice for one order", "payment_dispute"),
        ("有个冒充客服的人让我转账", "fraud"),
        ("用了面霜过敏了，脸很痒", "safety"),
        ("the charger caught fire", "safety"),
    ],
)
async def test_high_risk_goes_to_a_person_at_once_and_urgently(world: BotWorld, text: str, kind: str) -> None:
    reply = await run(KB, [("user", text, "ask_product_info")], customer_id="C1002")

    assert reply.texts == []
    packet = world.packets[0]
    assert packet["holding_message"] in (TEXTS["hold_high_risk"]["zh"], TEXTS["hold_high_risk"]["en"])
    assert (packet["reason"], packet["priority"]) == ("high_risk", "urgent")
    assert kind in packet["summary"]


@pytest.mark.parametrize("text", ["这款面霜会过敏吗", "is it ok for sensitive skin", "扣子掉了", "can I pay twice in instalments"])
def test_questions_about_risks_are_not_risks(text: str) -> None:
    assert high_risk(text) is None


async def test_one_misunderstanding_offers_rephrasing_or_a_person(world: BotWorld) -> None:
    reply = await run(KB, [("user", "明天天气怎么样")])

    assert reply.texts == [TEXTS["no_answer"]["zh"]]
    assert reply.buttons == [[{"title": "转人工", "payload": "/request_human"}]]
    assert reply.slot("failed_turns") == ["low_confidence"]
    assert world.packets == []


@pytest.mark.parametrize(
    ("earlier", "intent", "reason"),
    [
        (["low_confidence"], "nlu_fallback", "low_confidence"),
        (["out_of_scope"], "out_of_scope", "out_of_scope_repeated"),
        (["low_confidence"], "out_of_scope", "repeated_failure"),
        (["failure"], "ask_invoice", "repeated_failure"),
    ],
)
async def test_the_second_failed_turn_in_a_row_hands_over_with_its_reason(
    world: BotWorld, earlier: list[str], intent: str, reason: str
) -> None:
    turns = [("user", "asdf qwer", intent), ("bot", TEXTS["no_answer"]["en"]), ("user", "zxcv uiop", intent)]

    reply = await run(KB, turns, lang="en", slots={"failed_turns": earlier})

    assert world.packets[0]["holding_message"] == TEXTS["hold_failures"]["en"]
    assert (world.packets[0]["reason"], world.packets[0]["priority"]) == (reason, "important")  # C1001 is a VIP
    assert reply.slot("failed_turns") == []


async def test_a_helpful_answer_ends_the_streak(world: BotWorld) -> None:
    reply = await run(KB, [("user", "发货时间", "ask_shipping_time")], slots={"failed_turns": ["low_confidence"]})

    assert reply.slot("failed_turns") == [] and world.packets == []


async def test_the_same_question_again_is_a_repeated_failure(world: BotWorld) -> None:
    turns = [
        ("user", "亲 什么时候发货呀", "ask_shipping_time"),
        ("bot", "亲，现货商品付款后 48 小时内发货"),
        ("user", "什么时候发货呀？？", "ask_shipping_time"),
    ]

    await run(KB, turns, customer_id="C1004")

    assert (world.packets[0]["reason"], world.packets[0]["priority"]) == ("repeated_failure", "routine")


async def test_asking_for_a_person_is_an_explicit_request_with_a_summary(world: BotWorld) -> None:
    turns = [("user", "发票能开公司抬头吗", "ask_invoice"), ("bot", "…"), ("user", "转人工", "request_human")]

    reply = await run(ActionEscalate(), turns, customer_id="C1003")

    assert reply.texts == []  # the handoff service tells the shopper their place in the queue
    packet = world.packets[0]
    assert (packet["reason"], packet["priority"]) == ("explicit_request", "important")
    assert packet["summary"] == "顾客要求人工 · 最近的问题：“发票能开公司抬头吗”"
    assert [t["sender"] for t in packet["transcript"]] == ["shopper", "bot", "shopper"]


async def test_a_handoff_service_that_stays_down_is_admitted_after_the_holding_message(world: BotWorld) -> None:
    world.refuse = True

    reply = await run(ActionEscalate(), [("user", "I want a human, this is useless!!", "request_human")], lang="en")

    assert reply.texts == [TEXTS["hold_upset"]["en"], TEXTS["escalation_failed"]["en"]]
    assert world.packets == []


def test_priority_from_reason_and_customer() -> None:
    vip = CustomerProfile(customer_id="C1", tags=["VIP"])
    plain = CustomerProfile(customer_id="C2")
    complained = CustomerProfile(customer_id="C3", past_complaints=2)

    assert [priority("high_risk", c) for c in (None, plain)] == ["urgent", "urgent"]
    assert [priority("upset", c) for c in (None, plain, vip, complained)] == ["important", "important", "urgent", "urgent"]
    assert [priority("low_confidence", c) for c in (None, plain, vip, complained)] == ["routine", "routine", "important", "important"]


def test_only_the_second_failure_in_a_row_hands_over() -> None:
    assert after_failure([], "low_confidence") is None
    assert after_failure(["failure"], "failure").reason == "repeated_failure"  # type: ignore[union-attr]


async def test_the_same_question_after_several_other_topics_is_a_new_question(world: BotWorld) -> None:
    turns = [
        ("user", "什么时候发货呀", "ask_shipping_time"), ("bot", "…"),
        ("user", "有优惠券吗", "ask_coupon"), ("bot", "…"),
        ("user", "能开发票吗", "ask_invoice"), ("bot", "…"),
        ("user", "可以退货吗", "request_return"), ("bot", "…"),
        ("user", "什么时候发货呀", "ask_shipping_time"),
    ]  # fmt: skip

    await run(KB, turns, customer_id="C1004")

    assert world.packets == []
