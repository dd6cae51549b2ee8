"""A shopper's click on a proactive message's choice: done through the same store actions the agents
use (a coupon within the bot's authority, a remedy), answered in the chat, logged on the alert."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff_service.core import events
from handoff_service.core.hub import EventHub, notify
from handoff_service.core.models import AuditEntry, ProactiveAlert, TrackedOrder, utcnow
from handoff_service.proactive.delivery import CHOICE_COMMAND
from handoff_service.proactive.texts import say
from handoff_service.settings import Settings
from store.client import StoreClient, StoreError

log = logging.getLogger(__name__)


def parse_choice(text: str) -> tuple[int, str] | None:
    """(alert id, choice id) of a choice button's payload, or None for anything else."""
    if not text.startswith(CHOICE_COMMAND):
        return None
    try:
        body = json.loads(text[len(CHOICE_COMMAND):])
        return int(body["alert_id"]), str(body["choice"])
    except (ValueError, KeyError, TypeError):
        return None


class AlertChoices:
    """Plugged into the chat (ConversationService's `choices`): a message that is a choice never goes to the bot."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], hub: EventHub, store: StoreClient, settings: Settings) -> None:
        self._sessions, self._hub, self._store, self._settings = sessions, hub, store, settings

    def claims(self, text: str) -> bool:
        return text.startswith(CHOICE_COMMAND)

    async def choose(self, conversation_id: str, customer_id: str | None, lang: str, text: str) -> None:
        parsed = parse_choice(text)
        reply, card = say("unavailable", lang), None
        async with self._sessions() as session:
            alert = await session.get(ProactiveAlert, parsed[0]) if parsed else None
            if alert is None or alert.conversation_id != conversation_id or alert.customer_id != customer_id:
                await self._reply(session, conversation_id, reply, None)
                return
            lang = alert.lang
            offered = next((c for c in alert.choices if c["id"] == parsed[1]), None) if parsed else None
            if alert.choice:
                label = next((c["label"] for c in alert.choices if c["id"] == alert.choice), alert.choice)
                await self._reply(session, conversation_id, say("already", lang, choice=label), None)
                return
            if offered is None:
                await self._reply(session, conversation_id, say("unavailable", lang), None)
                return
            # Claimed first, in one conditional update: two clicks at once do one thing, not two.
            claimed = await session.execute(
                update(ProactiveAlert).where(ProactiveAlert.id == alert.id, ProactiveAlert.choice.is_(None))
                .values(choice=offered["id"], chosen_at=utcnow()),
                execution_options={"synchronize_session": False},
            )  # fmt: skip
            await session.commit()
            if claimed.rowcount != 1:
                await self._reply(session, conversation_id, say("already", lang, choice=offered["label"]), None)
                return
            tracked = await session.get(TrackedOrder, alert.order_id)
            total = float(tracked.data.get("total", 0)) if tracked else 0.0
            try:
                reply, card, result = await self._act(alert, offered, total, lang)
            except StoreError as exc:
                reply, card, result = say("failed", lang, reason=str(exc)[:120]), None, {"ok": False, "error": str(exc)}
                await session.execute(  # the shopper may choose again
                    update(ProactiveAlert).where(ProactiveAlert.id == alert.id).values(choice=None, chosen_at=None),
                    execution_options={"synchronize_session": False},
                )
            alert.choice_result = result
            session.add(AuditEntry(agent_id=None, action="proactive_choice", conversation_id=conversation_id,
                                   detail={"alert_id": alert.id, "choice": offered["id"], **result}))  # fmt: skip
            await self._reply(session, conversation_id, reply, card)

    async def _act(self, alert: ProactiveAlert, offered: dict[str, Any], total: float, lang: str) -> tuple[str, dict[str, Any] | None, dict[str, Any]]:
        reason = f"proactive {alert.rule_id} {alert.order_id}: {offered['id']}"
        if offered["action"] == "coupon":
            amount = min(float(offered["amount"]), self._settings.coupon_limit_bot)  # the bot's own authority
            coupon = await asyncio.to_thread(self._store.issue_coupon, alert.customer_id, amount, reason, self._settings.coupon_valid_days)
            card = {"type": "coupon", "code": coupon.code, "amount": coupon.amount, "min_spend": coupon.min_spend,
                    "title_zh": coupon.title_zh, "title_en": coupon.title_en, "valid_until": coupon.valid_until}  # fmt: skip
            text = say("coupon", lang, title=coupon.title(lang), code=coupon.code, until=coupon.valid_until)
            return text, card, {"ok": True, "coupon": coupon.code, "amount": amount}
        if offered["action"] == "remedy":
            kind = offered["remedy"]
            amount = float(offered["amount"]) if offered.get("amount") else (total if kind == "refund" else 0.0)
            remedy = await asyncio.to_thread(self._store.perform_remedy, alert.customer_id, alert.order_id, kind, amount, reason)
            key = kind if kind in ("reship", "refund", "express_upgrade") else "remedy"
            return say(key, lang, order_id=alert.order_id, remedy_id=remedy.remedy_id, amount=f"{amount:g}"), None, {
                "ok": True, "remedy": remedy.remedy_id, "kind": kind, "amount": amount,
            }  # fmt: skip
        return say("acknowledge", lang), None, {"ok": True}

    async def _reply(self, session: AsyncSession, conversation_id: str, text: str, card: dict[str, Any] | None) -> None:
        payload: dict[str, Any] = {"proactive_reply": True}
        if card:
            payload["card"] = card
        await events.record(session, conversation_id, "message", "bot", text, payload)
        await session.commit()
        notify(self._hub, conversation_id)
