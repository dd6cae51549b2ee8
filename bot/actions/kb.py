"""Answers from the store's knowledge base (kb_index), abstaining when it has none."""

from __future__ import annotations

import asyncio
import logging
import re

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import Events, KefuAction, failed, succeeded
from bot.actions.conversation import CHITCHAT, TurnContext
from bot.actions.recommend import follow_up
from bot.actions.resources import Resources
from bot.actions.settings import ActionSettings
from bot.actions.texts import say
from kb_index.errors import KnowledgeError
from kb_index.knowledge import KnowledgeEntry
from kb_index.search import SearchResult
from store import StoreError

log = logging.getLogger(__name__)


async def search(res: Resources, text: str) -> SearchResult:
    """kb_index's search: in place when the question's vector is known (Rasa sent it; the search is
    then ~0.3 ms, less than a thread crossing costs), else off the event loop (encoding takes a few ms)."""
    if res.encoder.knows(text):
        return res.searcher.search(text)
    return await asyncio.to_thread(res.searcher.search, text)


def kb_answers(result: SearchResult, intent: str | None, settings: ActionSettings) -> bool:
    """Whether to answer with the best entry: the knowledge base decides, with a higher bar
    when NLU was unsure or called the message out of scope (noise must end in "not understood")."""
    if result.decision != "answer" or result.best is None:
        return False
    if intent in (None, "nlu_fallback"):
        return result.best.score >= settings.kb_min_score_unsure
    if intent == "out_of_scope":
        return result.best.score >= settings.kb_min_score_out_of_scope
    return True


_PLACEHOLDER = re.compile(r"\s*\{(\w+)\}\s*")


def fill_answer(text: str, values: dict[str, str]) -> str:
    """The answer with its {variables} filled; one that cannot be filled is left out, never shown raw."""

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        if value:
            return match.group(0).replace("{" + match.group(1) + "}", value)
        return " " if match.group(0).startswith(" ") and match.group(0).endswith(" ") else ""

    return _PLACEHOLDER.sub(replace, text)


async def answer_values(tracker: Tracker, turn: TurnContext, res: Resources) -> dict[str, str]:
    """What a knowledge answer may mention: the order the shopper named, else their latest order."""
    order_id = turn.entity("order_id") or tracker.get_slot("order_id")
    if not order_id and turn.customer_id:
        try:
            customer = await asyncio.to_thread(res.store.customer, turn.customer_id)
        except StoreError:
            customer = None
        if customer and customer.orders:
            order_id = customer.orders[0].order_id
    return {"order_id": str(order_id)} if order_id else {}


async def answer_text(entry: KnowledgeEntry, tracker: Tracker, turn: TurnContext, res: Resources) -> str:
    """A knowledge entry's answer as the shopper should read it: their language, variables filled."""
    turn.report.kb_entry = turn.report.kb_entry or entry.id
    answer = entry.answer_in(turn.lang)
    if entry.variables:
        answer = fill_answer(answer, await answer_values(tracker, turn, res))
    return answer


class ActionAnswerFromKb(KefuAction):
    def name(self) -> str:
        return "action_answer_from_kb"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, turn: TurnContext, res: Resources
    ) -> Events:
        if turn.intent == "give_praise":  # "物流超快，好评！" is a compliment, not a shipping question
            dispatcher.utter_message(text=say("give_praise", turn.lang))
            return succeeded()
        try:
            result = await search(res, turn.text)
        except KnowledgeError as exc:
            log.error("kb.search.failed", extra={"error": str(exc)})
            dispatcher.utter_message(text=say("kb_unavailable", turn.lang))
            return []
        if kb_answers(result, turn.intent, res.settings) and result.best:
            log.info("kb.search.answered", extra={"entry": result.best.entry.id, "score": result.best.score})
            turn.report.kb_score = result.best.score
            entry = result.best.entry
            dispatcher.utter_message(text=await answer_text(entry, tracker, turn, res), image=entry.image)
            follow_up(dispatcher, result.best.entry.id, turn)  # #19: one question about the need underneath
            return succeeded()
        if turn.intent in CHITCHAT:  # "hi" needs no knowledge: never a failure
            dispatcher.utter_message(text=say(turn.intent, turn.lang))  # type: ignore[arg-type]
            return succeeded()
        log.info("kb.search.abstained", extra={"text": turn.text, "intent": turn.intent})
        turn.report.kb_abstained = True
        if result.best:  # the nearest entry, for the trainer deciding between a new entry and a new phrasing
            turn.report.kb_entry, turn.report.kb_score = result.best.entry.id, result.best.score
        return await failed(dispatcher, tracker, turn, res)
