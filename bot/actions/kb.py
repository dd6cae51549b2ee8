"""Answers from the store's knowledge base (kb_index), abstaining when it has none."""

from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import Events, KefuAction, failed, succeeded
from bot.actions.conversation import CHITCHAT, TurnContext
from bot.actions.resources import Resources
from bot.actions.settings import ActionSettings
from bot.actions.texts import say
from kb_index.errors import KnowledgeError
from kb_index.search import SearchResult

log = logging.getLogger(__name__)


async def search(res: Resources, text: str) -> SearchResult:
    """kb_index's search, off the event loop (encoding a question takes a few milliseconds)."""
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


class ActionAnswerFromKb(KefuAction):
    def name(self) -> str:
        return "action_answer_from_kb"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, turn: TurnContext, res: Resources
    ) -> Events:
        try:
            result = await search(res, turn.text)
        except KnowledgeError as exc:
            log.error("kb.search.failed", extra={"error": str(exc)})
            dispatcher.utter_message(text=say("kb_unavailable", turn.lang))
            return []
        if kb_answers(result, turn.intent, res.settings) and result.best:
            log.info("kb.search.answered", extra={"entry": result.best.entry.id, "score": result.best.score})
            dispatcher.utter_message(text=result.best.entry.answer_in(turn.lang))
            return succeeded()
        if turn.intent in CHITCHAT:  # "hi" needs no knowledge: never a failure
            dispatcher.utter_message(text=say(turn.intent, turn.lang))  # type: ignore[arg-type]
            return succeeded()
        log.info("kb.search.abstained", extra={"text": turn.text, "intent": turn.intent})
        return await failed(dispatcher, tracker, turn, res)
