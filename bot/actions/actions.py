"""The bot's custom actions: answer from the knowledge base, or hand the chat to a person."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.handoff_client import HandoffFailed
from bot.actions.resources import resources
from bot.actions.texts import say
from handoff_service.packet import CustomerProfile, HandoffPacket, OrderSummary, Turn
from kb_index.errors import KnowledgeError
from kb_index.language import detect_language
from store.client import Customer, StoreClient

log = logging.getLogger(__name__)


def shopper_language(tracker: Tracker) -> str:
    """The language of the shopper's last message; the widget's language if it has no letters."""
    metadata = tracker.latest_message.get("metadata") or {}
    default = metadata.get("lang") if metadata.get("lang") in ("zh", "en") else "zh"
    return detect_language(tracker.latest_message.get("text") or "", default)


def customer_id_of(tracker: Tracker) -> str | None:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            customer_id = (event.get("metadata") or {}).get("customer_id")
            if customer_id:
                return str(customer_id)
    return None


def transcript_of(tracker: Tracker, limit: int = 50) -> list[Turn]:
    turns: list[Turn] = []
    for event in tracker.events:
        if event.get("event") == "user":
            intent = (event.get("parse_data") or {}).get("intent") or {}
            turns.append(
                Turn(
                    sender="shopper",
                    text=event.get("text") or "",
                    intent=intent.get("name"),
                    confidence=intent.get("confidence"),
                    timestamp=event.get("timestamp"),
                )
            )
        elif event.get("event") == "bot" and event.get("text"):
            turns.append(Turn(sender="bot", text=event["text"], timestamp=event.get("timestamp")))
    return turns[-limit:]


def profile_of(customer: Customer) -> CustomerProfile:
    return CustomerProfile(
        customer_id=customer.customer_id,
        name=customer.name,
        tags=customer.tags,
        order_count=len(customer.orders),
        total_spend=customer.total_spend,
        average_order_value=customer.average_order_value,
        past_complaints=customer.past_complaints,
        orders=[
            OrderSummary(
                order_id=o.order_id,
                status=o.status,
                total=o.total,
                created_at=o.created_at,
                items=o.items,
                logistics=o.logistics,
            )
            for o in customer.orders
        ],
    )


def lookup_customer(store: StoreClient, customer_id: str | None) -> CustomerProfile | None:
    if not customer_id:
        return None
    customer = store.customer(customer_id)
    return profile_of(customer) if customer else None


class ActionAnswerFromKb(Action):
    def name(self) -> str:
        return "action_answer_from_kb"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        lang = shopper_language(tracker)
        text = tracker.latest_message.get("text") or ""
        try:
            result = resources().searcher.search(text)
        except KnowledgeError as exc:
            log.error("kb.search.failed", extra={"error": str(exc)})
            dispatcher.utter_message(text=say("kb_unavailable", lang))
            return []
        if result.decision == "answer" and result.best:
            log.info("kb.search.answered", extra={"entry": result.best.entry.id, "score": result.best.score})
            dispatcher.utter_message(text=result.best.entry.answer_in(lang))
        else:
            log.info("kb.search.abstained", extra={"text": text})
            dispatcher.utter_message(text=say("no_answer", lang))
        return []


class ActionEscalate(Action):
    def name(self) -> str:
        return "action_escalate"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        lang = shopper_language(tracker)
        res = resources()
        customer_id = customer_id_of(tracker)
        try:
            packet = HandoffPacket(
                conversation_id=tracker.sender_id,
                reason="explicit_request",
                priority="routine",
                language=lang,
                summary=tracker.latest_message.get("text") or "",
                transcript=transcript_of(tracker),
                slots={k: v for k, v in tracker.slots.items() if v is not None},
                customer=lookup_customer(res.store, customer_id),
            )
            await res.handoff.escalate(packet)
        except (HandoffFailed, ValidationError) as exc:
            log.error("actions.handoff.failed", extra={"conversation_id": tracker.sender_id, "error": str(exc)})
            dispatcher.utter_message(text=say("escalation_failed", lang))
        # On success the handoff service itself tells the shopper their place in the queue.
        return []
