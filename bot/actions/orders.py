"""The shopper's own orders from the store: where an order is, and where a refund is."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import Events, KefuAction, failed, succeeded
from bot.actions.conversation import TurnContext
from bot.actions.kb import answer_text, kb_answers, search
from bot.actions.resources import Resources
from bot.actions.texts import say
from kb_index.errors import KnowledgeError
from store.client import Customer, Order, StoreError, parse_time

log = logging.getLogger(__name__)

OPEN = ("paid", "shipped")


def local_time(value: str, lang: str, timezone: str) -> str:
    """A store time as the shopper reads it: 11月22日 14:00 / Nov 22, 14:00, in the store's zone."""
    moment = parse_time(value).astimezone(ZoneInfo(timezone))
    return f"{moment.month}月{moment.day}日 {moment:%H:%M}" if lang == "zh" else f"{moment:%b} {moment.day}, {moment:%H:%M}"


def items_of(order: Order, lang: str) -> str:
    if not order.items:
        return order.order_id
    more = len(order.items) - 1
    if more <= 0:
        return order.items[0]
    return f"{order.items[0]} 等{len(order.items)}件" if lang == "zh" else f"{order.items[0]} and {more} more"


def find_order(customer: Customer, wanted: str) -> Order | None:
    """The customer's order `wanted`, also when typed without its letter prefix."""
    wanted = wanted.strip().upper()
    for order in customer.orders:
        oid = order.order_id.upper()
        if oid == wanted or oid.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == wanted.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
            return order
    return None


def order_button(order: Order, lang: str, intent: str, **extra: str) -> dict[str, str]:
    entities = json.dumps({"order_id": order.order_id, **extra}, ensure_ascii=False)
    return {"title": f"{order.order_id} · {items_of(order, lang)}", "payload": f"/{intent}{entities}"}


# Routing that answers what can be answered (issue #18): a question about the store's rules
# ("退货运费谁出", "who pays for return shipping") is answered from the knowledge base for anyone;
# only a question about the shopper's own orders needs their account.
_OWN_ORDERS = {
    "zh": re.compile(r"我的|我(买|拍|下|订|收到)的|我这|这单|这个订单|订单号|单号|到哪|到了没|发了没|我?(要|想)(退|换|取消)|帮我(退|换|查|取消|改)|申请(退|换)|给我(退|换)"),
    "en": re.compile(r"\b(my|mine|i ordered|i bought|i received)\b|\bi (want|need|'d like|would like) to (return|exchange|cancel|change)|\border (number|no\.?|#|id)\b", re.IGNORECASE),
}
# About the store's rules (who pays, how long, how): answered from the knowledge base for anyone.
_RULES = {
    "zh": re.compile(r"谁|多久|多长时间|几天|怎么|如何|规则|政策|运费|邮费|费用|流程|条件"),
    "en": re.compile(r"\b(who|how|what|when|which|policy|rules?|fees?|cost|postage|free)\b", re.IGNORECASE),
}
# Any question ("可以退货吗", "can I return this?"): a guest gets the knowledge base's answer, a
# logged-in shopper their own orders (they may well mean the item they bought).
_QUESTION = {
    "zh": re.compile(r"能不能|可不可以|可以.{0,10}[吗么]|能.{0,10}[吗么]|吗|[?？]"),
    "en": re.compile(r"\b(can i|could i|do you|does|is there|are there|may i)\b|\?", re.IGNORECASE),
}


def about_own_orders(turn: TurnContext) -> bool:
    """Does the answer depend on the shopper's own orders ("我的快递到哪了", "I want to return my shoes")?"""
    if turn.entity("order_id"):
        return True
    return bool(_OWN_ORDERS["zh" if turn.lang == "zh" else "en"].search(turn.text))


def policy_question(turn: TurnContext) -> bool:
    """A question the knowledge base may answer without the shopper's account: about the store's
    rules for anyone, any question from a guest."""
    if turn.is_button:
        return False
    lang = "zh" if turn.lang == "zh" else "en"
    if _RULES[lang].search(turn.text):
        return True
    return not turn.customer_id and bool(_QUESTION[lang].search(turn.text))


async def answer_policy_first(
    dispatcher: CollectingDispatcher, tracker: Tracker, turn: TurnContext, res: Resources
) -> Events | None:
    """The knowledge base's answer to the policy part of an order question, before anything else.

    Returns the events to end the turn with when that answer is all the question needs (a policy
    question, not about the shopper's own orders), else None (after answering the policy part
    for a guest, who is asked to log in next)."""
    if not policy_question(turn):
        return None
    own = about_own_orders(turn)
    if own and turn.customer_id:
        return None
    try:
        result = await search(res, turn.text)
    except KnowledgeError as exc:
        log.error("kb.search.failed", extra={"error": str(exc)})
        return None
    if not (kb_answers(result, turn.intent, res.settings) and result.best):
        return None
    turn.report.kb_score = result.best.score
    dispatcher.utter_message(text=await answer_text(result.best.entry, tracker, turn, res))
    return None if own else succeeded()


async def customer_of(
    dispatcher: CollectingDispatcher, turn: TurnContext, res: Resources
) -> tuple[Customer | None, Events | None]:
    """The logged-in customer, or the events to return after telling the shopper why not."""
    if not turn.customer_id:
        dispatcher.utter_message(
            text=say("login_needed", turn.lang),
            buttons=[{"title": say("button_human", turn.lang), "payload": "/request_human"}],
        )
        return None, []
    try:
        customer = await asyncio.to_thread(res.store.customer, turn.customer_id)
    except StoreError as exc:
        log.error("actions.store.failed", extra={"error": str(exc)})
        dispatcher.utter_message(text=say("store_unavailable", turn.lang))
        return None, []
    if customer is None:
        dispatcher.utter_message(text=say("login_needed", turn.lang))
        return None, []
    return customer, None


class ActionCheckOrderStatus(KefuAction):
    """Where the shopper's order is: asks which one when several are open, then the latest event."""

    def name(self) -> str:
        return "action_check_order_status"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, turn: TurnContext, res: Resources
    ) -> Events:
        answered = await answer_policy_first(dispatcher, tracker, turn, res)
        if answered is not None:
            return answered
        customer, early = await customer_of(dispatcher, turn, res)
        if customer is None:
            return early or []
        if not customer.orders:
            dispatcher.utter_message(text=say("no_orders", turn.lang))
            return succeeded()
        wanted = turn.entity("order_id")
        if wanted:
            order = find_order(customer, wanted)
            if order is None:  # a typo more often than a failure: offer their orders
                dispatcher.utter_message(
                    text=say("order_not_found", turn.lang, order_id=wanted),
                    buttons=[order_button(o, turn.lang, "ask_order_status") for o in customer.orders[:5]],
                )
                return []
        else:
            open_orders = [o for o in customer.orders if o.status in OPEN]
            if len(open_orders) > 1:
                dispatcher.utter_message(
                    text=say("which_order", turn.lang, count=len(open_orders)),
                    buttons=[order_button(o, turn.lang, "ask_order_status") for o in open_orders[:5]],
                )
                return succeeded()
            order = open_orders[0] if open_orders else customer.orders[0]
        try:
            await self._describe(dispatcher, order, turn, res)
        except StoreError as exc:
            log.error("actions.store.failed", extra={"error": str(exc)})
            dispatcher.utter_message(text=say("store_unavailable", turn.lang))
            return []
        return [*succeeded(), SlotSet("order_id", order.order_id)]

    async def _describe(self, dispatcher: CollectingDispatcher, order: Order, turn: TurnContext, res: Resources) -> None:
        lang, settings = turn.lang, res.settings
        fields = {"order_id": order.order_id, "items": items_of(order, lang)}
        if order.status == "paid":
            dispatcher.utter_message(text=say("order_paid", lang, **fields))
            return
        if order.status in ("refunded", "cancelled"):
            dispatcher.utter_message(text=say("order_closed", lang, status=say(f"status_{order.status}", lang), **fields))
            return
        shipment = await asyncio.to_thread(res.store.shipment, order.order_id)
        latest = shipment.latest if shipment else None
        if order.status == "delivered":
            when = order.delivered_at or (latest.at if latest else order.created_at)
            event = latest.description if latest else ""
            dispatcher.utter_message(
                text=say("order_delivered", lang, when=local_time(when, lang, settings.store_timezone), event=event, **fields)
            )
            return
        if shipment is None or latest is None:
            dispatcher.utter_message(
                text=say("order_shipped_no_events", lang, tracking_no=shipment.tracking_no if shipment else "–", **fields)
            )
            return
        dispatcher.utter_message(
            text=say(
                "order_shipped", lang, carrier=shipment.carrier, tracking_no=shipment.tracking_no,
                when=local_time(latest.at, lang, settings.store_timezone), event=latest.description, **fields,
            )  # fmt: skip
        )
        hours = shipment.hours_without_update(dt.datetime.now(dt.timezone.utc))
        if hours is not None and hours > settings.stuck_after_hours:
            log.info("actions.order.stuck", extra={"order_id": order.order_id, "hours": round(hours)})
            dispatcher.utter_message(
                text=say("order_stuck", lang, hours=int(hours)),
                buttons=[
                    {"title": say("button_chase", lang), "payload": "/request_human"},
                    {"title": say("button_wait", lang), "payload": "/thanks"},
                ],
            )


class ActionCheckRefundStatus(KefuAction):
    """Where the shopper's returns and refunds stand; the knowledge base's refund times otherwise."""

    def name(self) -> str:
        return "action_check_refund_status"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, turn: TurnContext, res: Resources
    ) -> Events:
        returns = []
        if turn.customer_id:
            try:
                returns = await asyncio.to_thread(res.store.returns, turn.customer_id)
            except StoreError as exc:
                log.error("actions.store.failed", extra={"error": str(exc)})
                dispatcher.utter_message(text=say("store_unavailable", turn.lang))
                return []
        if returns:
            lines = [say("returns_header", turn.lang)]
            for r in returns[:3]:
                amount = f"{r.refund_amount:.2f}" if r.refund_amount is not None else "–"
                status = say(f"return_{r.status}", turn.lang, amount=amount) if f"return_{r.status}" in _STATUSES else r.status
                lines.append(say("return_line", turn.lang, return_id=r.return_id, order_id=r.order_id, status=status))
            dispatcher.utter_message(text="\n".join(lines))
            return succeeded()
        result = await search(res, turn.text)
        if result.decision == "answer" and result.best:
            if turn.customer_id:
                dispatcher.utter_message(text=say("no_returns", turn.lang))
            dispatcher.utter_message(text=await answer_text(result.best.entry, tracker, turn, res))
            return succeeded()
        return await failed(dispatcher, tracker, turn, res)


_STATUSES = {f"return_{s}" for s in ("requested", "in_transit", "received", "refunded", "exchanged", "closed")}
