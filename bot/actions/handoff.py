"""action_escalate: the shopper asked for a person."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.base import Events, KefuAction
from bot.actions.conversation import TurnContext
from bot.actions.escalation import hand_over
from bot.actions.policy import Escalation
from bot.actions.resources import Resources


class ActionEscalate(KefuAction):
    """A complaint, an upset or a high-risk message never gets here as `explicit_request`:
    the policy catches them first, with their own reason and priority."""

    def name(self) -> str:
        return "action_escalate"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, turn: TurnContext, res: Resources
    ) -> Events:
        return await hand_over(dispatcher, tracker, turn, Escalation("explicit_request"), res)
