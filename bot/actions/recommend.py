"""Reading the shopper's real need (#19): after some answers the bot asks one follow-up question
(bot/needs/needs.yml, data), and the shopper's reply picks products from the store's catalogue,
shown as cards with "add to cart" links; "is it fast?" with a date or a gift in the shopper's
words offers express, which the bot does itself within its own authority.

The question travels in the `custom` of the bot's message (`kefu_need`), so the next turn finds it
in the tracker whatever intent NLU gives the reply: no slot, no retraining."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.conversation import TurnContext
from bot.actions.resources import Resources
from bot.actions.texts import say
from store import StoreError
from store.client import Product

log = logging.getLogger(__name__)

NEEDS_FILE = Path(__file__).resolve().parent.parent / "needs" / "needs.yml"
NEED_KEY = "kefu_need"
MAX_PRODUCTS = 3


@dataclass(frozen=True)
class Option:
    value: str
    zh: str
    en: str
    words: tuple[str, ...]

    def title(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Need:
    id: str
    after: tuple[str, ...]
    ask: dict[str, str]
    options: tuple[Option, ...]
    category: str | None = None
    attribute: str | None = None
    recommend: dict[str, str] | None = None
    when: tuple[str, ...] = ()
    action: str | None = None

    def applies(self, entry_id: str, words: str) -> bool:
        """After this answer, and (with `when`) only if the shopper's words mention one of them."""
        if entry_id not in self.after:
            return False
        return not self.when or any(w.lower() in words for w in self.when)

    def option_in(self, text: str) -> Option | None:
        """The option the reply names; the longest word found wins ("不需要" over "需要")."""
        padded = f" {text.lower()} "
        found = [(len(w), o) for o in self.options for w in o.words if w.lower() in padded]
        return max(found, key=lambda pair: pair[0])[1] if found else None


@cache
def load_needs(path: Path = NEEDS_FILE) -> dict[str, Need]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    needs = {}
    for item in raw:
        options = tuple(
            Option(str(o["value"]), str(o["zh"]), str(o["en"]), tuple(str(w) for w in o.get("words", [])))
            for o in item["options"]
        )
        needs[item["id"]] = Need(
            id=item["id"], after=tuple(item.get("after", [])), ask=item["ask"], options=options,
            category=item.get("category"), attribute=item.get("attribute"), recommend=item.get("recommend"),
            when=tuple(str(w) for w in item.get("when", [])), action=item.get("action"),
        )  # fmt: skip
    return needs


def follow_up(dispatcher: CollectingDispatcher, entry_id: str, turn: TurnContext) -> bool:
    """Ask the follow-up question of the first need this answer calls for; True if one was asked."""
    words = " ".join([*turn.earlier_questions, turn.text]).lower()
    need = next((n for n in load_needs().values() if n.applies(entry_id, words)), None)
    if need is None:
        return False
    lang = "en" if turn.lang == "en" else "zh"
    dispatcher.utter_message(
        text=need.ask[lang],
        buttons=[{"title": o.title(lang), "payload": o.title(lang)} for o in need.options],
        json_message={NEED_KEY: need.id},
    )
    return True


def pending_need(tracker: Tracker) -> Need | None:
    """The need whose question the bot's last message (before the shopper's latest) asked."""
    events = list(tracker.events)
    seen_latest_user = False
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            if seen_latest_user:
                return None
            seen_latest_user = True
        elif kind == "bot" and seen_latest_user:
            custom = (event.get("data") or {}).get("custom") or {}
            need_id = custom.get(NEED_KEY) if isinstance(custom, dict) else None
            return load_needs().get(need_id) if need_id else None
    return None


def product_item(product: Product, lang: str) -> dict[str, Any]:
    return {
        "sku": product.sku, "name_zh": product.name_zh, "name_en": product.name_en, "price": product.price,
        "why_zh": product.blurb_zh, "why_en": product.blurb_en, "url": product.url, "cart_url": product.cart_url,
        "image_url": product.image_url,
    }  # fmt: skip


def matching(products: list[Product], attribute: str, value: str) -> list[Product]:
    return [p for p in products if value in p.attributes.get(attribute, [])][:MAX_PRODUCTS]


async def answer_need(
    need: Need, dispatcher: CollectingDispatcher, turn: TurnContext, res: Resources
) -> bool:
    """The shopper's reply to a follow-up question: recommend, or act; False if it picked no option
    (the turn is then answered as any other)."""
    option = need.option_in(turn.text)
    if option is None:
        return False
    lang = "en" if turn.lang == "en" else "zh"
    if need.action == "express_upgrade":
        await _express(option, dispatcher, turn, res, lang)
        return True
    try:
        products = await asyncio.to_thread(res.store.products, need.category)
    except StoreError as exc:
        log.warning("actions.recommend.store_failed", extra={"error": str(exc)})
        dispatcher.utter_message(text=say("store_unavailable", lang))
        return True
    chosen = matching(products, need.attribute or "", option.value)
    if not chosen:
        dispatcher.utter_message(text=say("recommend_none", lang))
        return True
    text = (need.recommend or {}).get(lang, "{option}").format(option=option.title(lang))
    dispatcher.utter_message(
        text=text, json_message={"card": {"type": "products", "need": need.id, "items": [product_item(p, lang) for p in chosen]}}
    )
    return True


async def _express(option: Option, dispatcher: CollectingDispatcher, turn: TurnContext, res: Resources, lang: str) -> None:
    """Yes: upgrade the shopper's order on its way to express when the cost is within the bot's own
    limit; a guest (or no order on its way) is told how to choose express at checkout."""
    if option.value != "yes":
        dispatcher.utter_message(text=say("express_declined", lang))
        return
    cost = res.settings.express_upgrade_cost
    order = None
    if turn.customer_id and cost <= res.settings.bot_remedy_limits.get("express_upgrade", 0):
        try:
            customer = await asyncio.to_thread(res.store.customer, turn.customer_id)
        except StoreError:
            customer = None
        order = next((o for o in (customer.orders if customer else []) if o.status == "shipped"), None)
    if order is None:
        dispatcher.utter_message(text=say("express_at_checkout", lang))
        return
    try:
        remedy = await asyncio.to_thread(
            res.store.perform_remedy, turn.customer_id, order.order_id, "express_upgrade", cost, f"bot: {turn.text[:100]}"
        )
    except StoreError as exc:
        log.info("actions.recommend.express_refused", extra={"error": str(exc)})
        dispatcher.utter_message(text=say("express_at_checkout", lang))
        return
    dispatcher.utter_message(
        text=say("express_done", lang, order_id=order.order_id),
        json_message={"card": {"type": "remedy", "remedy_id": remedy.remedy_id, "kind": remedy.kind,
                               "order_id": remedy.order_id, "amount": remedy.amount}},
    )
