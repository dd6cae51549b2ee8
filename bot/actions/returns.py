"""Returns and exchanges, solution-style: two or three concrete options as buttons, then done.

The seeds' advice: don't answer "好的亲，地址发您"; offer solutions (a refund with free
pickup and its timing, an exchange for another size, keeping the item with a partial-refund
coupon) and let the shopper pick. The pick comes back as a button payload,
`/request_return{"order_id": "…", "return_option": "refund"}`, and the store records it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import Events, KefuAction, succeeded
from bot.actions.conversation import TurnContext
from bot.actions.kb import answer_text, search
from bot.actions.orders import (
    answer_policy_first,
    customer_of,
    find_order,
    items_of,
    order_button,
)
from bot.actions.resources import Resources
from bot.actions.settings import ActionSettings
from bot.actions.texts import say
from store.client import Order, StoreError, parse_time

log = logging.getLogger(__name__)

OPTIONS = ("refund", "exchange", "keep_with_coupon")


def keep_coupon(order: Order, settings: ActionSettings) -> int:
    """The coupon offered for keeping the item: a share of the order, never below the minimum."""
    return int(max(settings.keep_coupon_min, round(order.total * settings.keep_coupon_rate)))


def eligible(orders: list[Order], open_order_ids: set[str], now: dt.datetime, window_days: int) -> list[Order]:
    """Delivered within the no-reason window and without a return already open."""
    return [
        o
        for o in orders
        if o.status == "delivered"
        and o.delivered_at
        and (now - parse_time(o.delivered_at)).days < window_days
        and o.order_id not in open_order_ids
    ]


class ActionOfferReturnOptions(KefuAction):
    def name(self) -> str:
        return "action_offer_return_options"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, turn: TurnContext, res: Resources
    ) -> Events:
        answered = await answer_policy_first(dispatcher, tracker, turn, res)
        if answered is not None:
            return answered
        customer, early = await customer_of(dispatcher, turn, res)
        if customer is None:
            return early or []
        try:
            returns = await asyncio.to_thread(res.store.returns, customer.customer_id)
        except StoreError as exc:
            log.error("actions.store.failed", extra={"error": str(exc)})
            dispatcher.utter_message(text=say("store_unavailable", turn.lang))
            return []
        open_ids = {r.order_id for r in returns if r.status != "closed"}
        now = dt.datetime.now(dt.timezone.utc)
        candidates = eligible(customer.orders, open_ids, now, res.settings.return_window_days)
        intent = "request_exchange" if turn.intent == "request_exchange" else "request_return"

        wanted = turn.entity("order_id") or tracker.get_slot("order_id")
        order = find_order(customer, wanted) if wanted else None
        if order is not None and order not in candidates:
            order = None if turn.entity("order_id") is None else order  # a remembered order may not fit
        if order is None:
            if not candidates:
                return await self._none_eligible(dispatcher, tracker, turn, res)
            if len(candidates) > 1:
                dispatcher.utter_message(
                    text=say("return_which_order", turn.lang),
                    buttons=[order_button(o, turn.lang, intent) for o in candidates[:5]],
                )
                return succeeded()
            order = candidates[0]

        option = turn.entity("return_option")
        if option in OPTIONS:
            return await self._create(dispatcher, tracker, turn, res, order, option)
        return self._offer(dispatcher, turn, res.settings, order, intent)

    def _offer(
        self, dispatcher: CollectingDispatcher, turn: TurnContext, settings: ActionSettings, order: Order, intent: str
    ) -> Events:
        lang = turn.lang
        pickup = say("pickup_free" if settings.exchange_ship_hours else "pickup_self", lang)
        coupon = keep_coupon(order, settings)
        refund = say("option_refund", lang, pickup=pickup, refund_days=settings.refund_days, total=f"{order.total:.2f}")
        exchange = say("option_exchange", lang, hours=settings.exchange_ship_hours)
        keep = say("option_keep", lang, coupon=coupon)
        ordered = [("exchange", exchange), ("refund", refund)] if intent == "request_exchange" else [("refund", refund), ("exchange", exchange)]
        ordered.append(("keep_with_coupon", keep))
        marks = "①②③"
        text = say("return_options", lang, items=items_of(order, lang), options="\n".join(f"{marks[n]} {t}" for n, (_, t) in enumerate(ordered)))
        titles = {"refund": "button_refund", "exchange": "button_exchange", "keep_with_coupon": "button_keep"}
        buttons = [
            {
                "title": f"{marks[n]} {say(titles[kind], lang)}",
                "payload": order_button(order, lang, intent, return_option=kind)["payload"],
            }
            for n, (kind, _) in enumerate(ordered)
        ]
        dispatcher.utter_message(text=text, buttons=buttons)
        return [*succeeded(), SlotSet("order_id", order.order_id)]

    async def _create(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        turn: TurnContext,
        res: Resources,
        order: Order,
        option: str,
    ) -> Events:
        lang, settings = turn.lang, res.settings
        try:
            created = await asyncio.to_thread(
                res.store.create_return, turn.customer_id or "", order.order_id, option, f"chat:{tracker.sender_id}"
            )
        except StoreError as exc:
            log.warning("actions.return.refused", extra={"order_id": order.order_id, "error": str(exc)})
            dispatcher.utter_message(
                text=say("return_refused", lang, why=str(exc)[:80]),
                buttons=[{"title": say("button_human", lang), "payload": "/request_human"}],
            )
            return []
        log.info("actions.return.created", extra={"return_id": created.return_id, "kind": option})
        if option == "refund":
            note = say("pickup_note_free", lang)
            text = say(
                "return_created_refund", lang, return_id=created.return_id, order_id=order.order_id,
                pickup_note=note, refund_days=settings.refund_days, total=f"{order.total:.2f}",
            )  # fmt: skip
        elif option == "exchange":
            text = say("return_created_exchange", lang, return_id=created.return_id, order_id=order.order_id, hours=settings.exchange_ship_hours)
        else:
            text = say("return_created_keep", lang, return_id=created.return_id, coupon=keep_coupon(order, settings))
        dispatcher.utter_message(text=text)
        return [*succeeded(), SlotSet("order_id", order.order_id)]

    async def _none_eligible(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, turn: TurnContext, res: Resources
    ) -> Events:
        """Nothing to return here: the policy from the knowledge base, and a person for faults."""
        dispatcher.utter_message(
            text=say("return_none_eligible", turn.lang, days=res.settings.return_window_days),
            buttons=[{"title": say("button_human", turn.lang), "payload": "/request_human"}],
        )
        result = await search(res, turn.text)
        if result.decision == "answer" and result.best:
            dispatcher.utter_message(text=await answer_text(result.best.entry, tracker, turn, res))
        return succeeded()

