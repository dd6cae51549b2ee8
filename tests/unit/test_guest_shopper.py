"""A guest (no verified customer id: the handoff service sent none) gets policy answers, and for
anything about "my" orders is asked to log in; naming another customer's order changes nothing.
Actions run on recorded trackers against the seeded demo store (C1004 has orders and a return)."""

from __future__ import annotations

import json

import bot.actions.resources as resources_module
from bot.actions import ActionCheckOrderStatus, ActionCheckRefundStatus
from bot.actions.returns import ActionOfferReturnOptions
from bot.actions.texts import TEXTS
from tests.unit.bot_env import BotWorld, run, world  # noqa: F401 - fixture

C1004_ORDER = "O20260903007"


def c1004_returns() -> list[str]:
    return [r.return_id for r in resources_module.resources().store.returns("C1004")]


async def test_a_guest_naming_another_customers_order_is_asked_to_log_in(world: BotWorld) -> None:
    for lang, text in (("zh", f"订单{C1004_ORDER}到哪了"), ("en", f"where is order {C1004_ORDER}")):
        turns = [("user", text, "ask_order_status", {"order_id": C1004_ORDER})]

        reply = await run(ActionCheckOrderStatus(), turns, customer_id=None, lang=lang)

        assert reply.texts == [TEXTS["login_needed"][lang]]
        assert [b["payload"] for b in reply.buttons[0]] == ["/request_human"]
        assert C1004_ORDER not in json.dumps(reply.messages, ensure_ascii=False)


async def test_a_guest_cannot_file_a_return_on_another_customers_order(world: BotWorld) -> None:
    before = c1004_returns()
    payload = {"order_id": C1004_ORDER, "return_option": "refund"}
    turns = [("user", "/request_return" + json.dumps(payload), "request_return", payload)]

    reply = await run(ActionOfferReturnOptions(), turns, customer_id=None, lang="en")

    assert reply.texts == [TEXTS["login_needed"]["en"]]
    assert c1004_returns() == before


async def test_a_guest_asking_about_refunds_gets_the_policy_not_anyones_returns(world: BotWorld) -> None:
    reply = await run(ActionCheckRefundStatus(), [("user", "退款到哪了", "ask_refund_status")], customer_id=None)

    assert reply.texts and TEXTS["returns_header"]["zh"] not in reply.text
    assert "R5002" not in reply.text and "O2026" not in reply.text
