"""What every kefu action does first: check the escalation policy, then answer."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.conversation import TurnContext, context_of, kefu_turn
from bot.actions.escalation import hand_over
from bot.actions.policy import after_failure, before_answer, failure_kind
from bot.actions.recommend import answer_need, pending_need
from bot.actions.resources import Resources, resources, settle
from bot.actions.texts import say
from kefu_contract.turn_report import KEY as TURN_KEY

log = logging.getLogger(__name__)

Events = list[dict[str, Any]]


class KefuAction(Action, ABC):
    """Runs the policy's pre-answer checks (high risk, upset, repeated question) on every turn,
    so no flow can skip them; subclasses implement `answer`."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> Events:
        res = resources()
        res.reuse_rasa_vector(tracker.latest_message)
        turn = context_of(tracker)
        escalation = before_answer(turn, res.upset.score(turn.text))
        if escalation:
            log.info("actions.policy.escalate", extra={"reason": escalation.reason, "detail": escalation.detail})
            events = await hand_over(dispatcher, tracker, turn, escalation, res)
        elif (need := pending_need(tracker)) and await answer_need(need, dispatcher, turn, res):
            events = succeeded()  # the reply to the bot's follow-up question (#19), whatever NLU made of it
        else:
            events = await self.answer(dispatcher, tracker, turn, res)
        report_turn(dispatcher, turn)
        settle()
        return events

    @abstractmethod
    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, turn: TurnContext, res: Resources
    ) -> Events:
        """The action's own reply to a turn the policy let through."""


def report_turn(dispatcher: CollectingDispatcher, turn: TurnContext) -> None:
    """Put how the bot understood the turn in the `custom` of the action's last message (a bare
    carrier message when it said nothing, e.g. after handing over); a button's payload is no
    language to learn from."""
    if turn.is_button:
        return
    if not dispatcher.messages:
        dispatcher.utter_message(json_message={})
    last = dispatcher.messages[-1]
    last["custom"] = {**(last.get("custom") or {}), TURN_KEY: kefu_turn(turn).to_wire()}


def succeeded() -> Events:
    """A helpful answer ends any streak of failed turns."""
    return [SlotSet("failed_turns", [])]


async def failed(
    dispatcher: CollectingDispatcher, tracker: Tracker, turn: TurnContext, res: Resources, message: str | None = None
) -> Events:
    """The bot could not serve this turn: say so (rephrase or a person), or hand over if it keeps happening."""
    kind = failure_kind(turn.intent)
    escalation = after_failure(turn.failed_turns, kind)
    if escalation:
        return await hand_over(dispatcher, tracker, turn, escalation, res)
    turn.report.outcome = "kb_abstained" if turn.report.kb_abstained else "not_understood"
    dispatcher.utter_message(
        text=message or say("no_answer", turn.lang),
        buttons=[{"title": say("button_human", turn.lang), "payload": "/request_human"}],
    )
    return [SlotSet("failed_turns", [*turn.failed_turns, kind][-5:])]
