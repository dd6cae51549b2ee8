"""Handing a chat to a person: the packet (transcript, profile, reason, priority), sent signed."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pydantic import ValidationError
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.conversation import CHITCHAT, TurnContext, transcript_of
from bot.actions.handoff_client import HandoffFailed
from bot.actions.policy import Escalation, priority
from bot.actions.resources import Resources
from bot.actions.skills import skill_for
from bot.actions.texts import say
from kefu_contract.packet import CustomerProfile, HandoffPacket, OrderSummary
from store.client import Customer, StoreError

log = logging.getLogger(__name__)

HOLDING = {"upset": "hold_upset", "high_risk": "hold_high_risk"}
NOT_A_QUESTION = CHITCHAT | {"request_human"}


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


async def lookup_profile(res: Resources, customer_id: str | None) -> CustomerProfile | None:
    """The customer's profile for the agent; None when anonymous or when the store fails (log only)."""
    if not customer_id:
        return None
    try:
        customer = await asyncio.to_thread(res.store.customer, customer_id)
    except StoreError as exc:
        log.warning("actions.store.failed", extra={"customer_id": customer_id, "error": str(exc)})
        return None
    return profile_of(customer) if customer else None


def summary_of(tracker: Tracker, turn: TurnContext, escalation: Escalation) -> str:
    """One line for the agent: why, the shopper's latest real question, the order if known."""
    parts = [say(f"reason_{escalation.reason}", turn.lang)]
    if escalation.reason == "high_risk" and escalation.detail:
        parts.append(say("summary_risk", turn.lang, kind=escalation.detail))
    question = turn.text
    if turn.intent in ("request_human",) or turn.is_button:
        for event in reversed(tracker.events):
            if event.get("event") != "user":
                continue
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            text = event.get("text") or ""
            if text and not text.startswith("/") and intent not in NOT_A_QUESTION:
                question = text
                break
    if question and not question.startswith("/"):
        parts.append(say("summary_question", turn.lang, text=question[:120]))
    order_id = turn.entity("order_id") or tracker.get_slot("order_id")
    if order_id:
        parts.append(say("summary_order", turn.lang, order_id=order_id))
    return " · ".join(parts)


def _with_skill(slots: dict[str, Any], tracker: Tracker, turn: TurnContext, res: Resources) -> dict[str, Any]:
    """#19: the skill this chat needs (bot/routing/skills.yml) rides in the packet's slots."""
    category = None
    if turn.report.kb_entry:
        try:
            entry = res.searcher.entries.get(turn.report.kb_entry)
        except Exception:  # noqa: BLE001 - no knowledge base loaded: route by intent alone
            entry = None
        category = entry.category if entry else None
    skill = skill_for(tracker, category)
    return {**slots, "skill": skill} if skill else slots


async def hand_over(
    dispatcher: CollectingDispatcher, tracker: Tracker, turn: TurnContext, escalation: Escalation, res: Resources
) -> list[dict[str, Any]]:
    """Post the packet, with the holding message (if any) for the handoff service to show before
    the queue notice; if the post fails, say the holding message here and admit the failure.
    """
    turn.report.outcome = "escalated"
    holding = HOLDING.get(escalation.reason) or (
        "hold_failures" if escalation.reason in ("low_confidence", "out_of_scope_repeated", "repeated_failure") else None
    )
    holding_text = say(holding, turn.lang) if holding else None
    customer = await lookup_profile(res, turn.customer_id)
    try:
        packet = HandoffPacket(
            conversation_id=tracker.sender_id,
            reason=escalation.reason,
            priority=priority(escalation.reason, customer),
            language=turn.lang if turn.lang in ("zh", "en") else "zh",
            summary=summary_of(tracker, turn, escalation),
            transcript=transcript_of(tracker, res.upset),
            slots=_with_skill({k: v for k, v in tracker.slots.items() if v not in (None, [], "")}, tracker, turn, res),
            customer=customer,
            holding_message=holding_text,
        )
        await res.handoff.escalate(packet)
    except (HandoffFailed, ValidationError) as exc:
        log.error("actions.handoff.failed", extra={"conversation_id": tracker.sender_id, "error": str(exc)})
        if holding_text:
            dispatcher.utter_message(text=holding_text)
        dispatcher.utter_message(text=say("escalation_failed", turn.lang))
        return []
    log.info(
        "actions.handoff.escalated",
        extra={"conversation_id": tracker.sender_id, "reason": packet.reason, "priority": packet.priority},
    )
    return [SlotSet("failed_turns", [])]
