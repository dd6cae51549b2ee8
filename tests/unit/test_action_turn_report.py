"""Every action tells the handoff service how it understood the turn (custom.kefu_turn of its last
message, kefu_contract.turn_report), so trainers can review what the bot got wrong; the shopper's
texts stay as they were. The language the handoff service detected and carried in is the one the
bot answers in."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from bot.actions import ActionAnswerFromKb, ActionCheckOrderStatus, ActionEscalate, ActionShowCoupons
from bot.actions.base import report_turn
from bot.actions.conversation import TurnContext, context_of
from bot.actions.texts import TEXTS
from kefu_contract.metadata import MessageMetadata
from kefu_contract.turn_report import KEY, TurnReport
from tests.unit.bot_env import BotWorld, run, world  # noqa: F401 - fixture
from tests.unit.samples import SHIPPING_ZH, recorded_tracker

KB = ActionAnswerFromKb()
RANKING = [
    {"name": "ask_shipping_time", "confidence": 0.93},
    {"name": "ask_order_status", "confidence": 0.04},
    {"name": "ask_coupon", "confidence": 0.02},
    {"name": "greet", "confidence": 0.01},
]


async def test_a_knowledge_answer_reports_intent_top_three_and_the_entry(world: BotWorld) -> None:
    reply = await run(KB, [("user", "什么时候发货", "ask_shipping_time")], ranking=RANKING)

    assert reply.texts == [SHIPPING_ZH]
    turn = reply.turn
    assert turn is not None
    assert (turn["intent"], turn["confidence"], turn["outcome"]) == ("ask_shipping_time", 0.93, "answered")
    assert turn["ranking"] == RANKING[:3]
    assert turn["kb_entry"] == "shipping_time" and turn["kb_score"] > 0.65
    assert turn["kb_abstained"] is False
    assert (turn["version"], turn["language"], turn["message_id"]) == (1, "zh", None)
    assert TurnReport.from_wire(turn) is not None  # what the handoff service will read


async def test_the_report_names_the_message_the_handoff_service_carried_in(world: BotWorld) -> None:
    carried = MessageMetadata(language="zh", message_id="17").to_metadata()
    reply = await run(KB, [("user", "什么时候发货", "ask_shipping_time")], metadata=carried)

    assert reply.texts == [SHIPPING_ZH]
    assert reply.turn is not None and (reply.turn["language"], reply.turn["message_id"]) == ("zh", "17")


def test_the_carried_language_is_used_and_detection_only_stands_in_when_none_was_carried() -> None:
    # An order number has no letters: detection falls back to the widget's language, while the
    # handoff service knows the chat's language from the shopper's earlier messages.
    turns = [("user", "20260101123456")]
    carried = MessageMetadata(language="zh", message_id="9").to_metadata()

    assert context_of(recorded_tracker("c", turns, lang="en", metadata=carried)).lang == "zh"
    assert context_of(recorded_tracker("c", turns, lang="en", metadata=carried)).message_id == "9"
    assert context_of(recorded_tracker("c", turns, lang="en")).lang == "en"
    assert context_of(recorded_tracker("c", turns, lang="en", metadata={"kefu": {"language": "fr"}})).lang == "en"


async def test_an_abstention_reports_the_nearest_entry(world: BotWorld) -> None:
    reply = await run(KB, [("user", "你们支持开发票吗")])

    assert reply.texts == [TEXTS["no_answer"]["zh"]]
    turn = reply.turn
    assert turn is not None
    assert (turn["intent"], turn["confidence"], turn["outcome"]) == ("nlu_fallback", 0.42, "kb_abstained")
    assert turn["kb_abstained"] is True
    assert turn["kb_entry"] is not None and turn["kb_score"] < 0.65
    assert reply.messages[-1]["buttons"][0]["payload"] == "/request_human"  # the shopper's message is unchanged


async def test_a_second_abstention_hands_over_and_still_reports_the_knowledge_gap(world: BotWorld) -> None:
    reply = await run(KB, [("user", "你们支持开发票吗")], slots={"failed_turns": ["low_confidence"]})

    assert reply.texts == []  # the holding message travels in the packet
    assert world.packets[0]["reason"] == "low_confidence"
    assert [m["text"] for m in reply.messages] == [None]  # a bare carrier of the report
    turn = reply.turn
    assert turn is not None
    assert (turn["outcome"], turn["kb_abstained"]) == ("escalated", True)


async def test_a_failure_in_another_flow_is_not_understood(world: BotWorld) -> None:
    reply = await run(ActionShowCoupons(), [("user", "zxqv blorp", "ask_coupon")], customer_id=None, lang="en")

    assert reply.texts == [TEXTS["no_answer"]["en"]]
    assert reply.turn is not None and reply.turn["outcome"] == "not_understood"
    assert reply.turn["kb_abstained"] is False


async def test_the_policy_handing_over_an_upset_shopper_reports_escalated(world: BotWorld) -> None:
    reply = await run(ActionCheckOrderStatus(), [("user", "下单3天了还没发，你们在搞什么？", "ask_order_status")], customer_id="C1003")

    assert world.packets and reply.texts == []
    assert reply.turn is not None
    assert (reply.turn["intent"], reply.turn["outcome"]) == ("ask_order_status", "escalated")


async def test_a_buttons_payload_is_not_reported(world: BotWorld) -> None:
    reply = await run(ActionEscalate(), [("user", "/request_human", "request_human")])

    assert world.packets
    assert reply.turn is None
    assert all(not (m.get("custom") or {}).get(KEY) for m in reply.messages)


def test_the_report_joins_custom_content_already_on_the_last_message() -> None:
    dispatcher = CollectingDispatcher()
    dispatcher.utter_message(text="first")
    dispatcher.utter_message(text="here is a card", json_message={"card": {"type": "coupon", "code": "C-1"}})
    turn = TurnContext(
        text="有券吗", lang="zh", intent="ask_coupon", confidence=0.9, customer_id=None, entities={},
        failed_turns=[], earlier_questions=[],
    )  # fmt: skip

    report_turn(dispatcher, turn)

    assert dispatcher.messages[0]["custom"] == {}
    custom = dispatcher.messages[-1]["custom"]
    assert custom["card"] == {"type": "coupon", "code": "C-1"}
    assert custom[KEY]["intent"] == "ask_coupon" and custom[KEY]["outcome"] == "answered"
