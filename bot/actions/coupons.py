"""The shopper's usable coupons from the store, then what the knowledge base says about coupons."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import Events, KefuAction, failed, succeeded
from bot.actions.conversation import TurnContext
from bot.actions.kb import answer_text, search
from bot.actions.resources import Resources
from bot.actions.texts import say
from kb_index.errors import KnowledgeError
from store.client import StoreError

log = logging.getLogger(__name__)


class ActionShowCoupons(KefuAction):
    """Personal first (the coupons this shopper can use today), general second (stacking, rules)."""

    def name(self) -> str:
        return "action_show_coupons"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, turn: TurnContext, res: Resources
    ) -> Events:
        listed = False
        if turn.customer_id:
            today = dt.datetime.now(ZoneInfo(res.settings.store_timezone)).date()
            try:
                coupons = await asyncio.to_thread(res.store.coupons, turn.customer_id, today)
            except StoreError as exc:
                log.error("actions.store.failed", extra={"error": str(exc)})
                coupons = []
            if coupons:
                lines = [say("coupons_header", turn.lang, count=len(coupons))]
                lines += [say("coupon_line", turn.lang, title=c.title(turn.lang), until=c.valid_until) for c in coupons]
                lines.append(say("coupons_footer", turn.lang))
                dispatcher.utter_message(text="\n".join(lines))
                listed = True
        try:
            result = await search(res, turn.text)
        except KnowledgeError as exc:
            log.error("kb.search.failed", extra={"error": str(exc)})
            result = None
        if result is not None and result.decision == "answer" and result.best:
            dispatcher.utter_message(text=await answer_text(result.best.entry, tracker, turn, res))
            return succeeded()
        if listed:
            return succeeded()
        if turn.customer_id:
            dispatcher.utter_message(text=say("no_coupons", turn.lang))
            return succeeded()
        return await failed(dispatcher, tracker, turn, res)
