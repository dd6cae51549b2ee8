"""An alert delivered: into the shopper's chat thread (their open chat, or a new one the widget shows
with a badge next time), then through their outbound channel (kefu_outbound: e-mail, gateway)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff_service.core import events
from handoff_service.core.auth import new_token, token_digest
from handoff_service.core.hub import EventHub, notify
from handoff_service.core.models import (
    Conversation,
    ProactiveAlert,
    ProactivePreference,
)
from handoff_service.settings import Settings
from kefu_outbound import (
    Channel,
    ChannelError,
    OutboundMessage,
    SmtpChannel,
    WebhookChannel,
    render_email,
)
from store.client import OrderTracking

log = logging.getLogger(__name__)
OPEN_STATES = ("bot", "queued", "agent", "callback")
CHOICE_COMMAND = "/alert_choice"

SUBJECTS = {
    "no_tracking_update": {"zh": "订单 {order_id} 物流延迟，我们正在处理", "en": "Order {order_id} is delayed: here's what we're doing"},
    "shipped": {"zh": "订单 {order_id} 已发货", "en": "Order {order_id} has shipped"},
    "delivery_exception": {"zh": "订单 {order_id} 派送遇到问题", "en": "A problem delivering order {order_id}"},
    "presale_delay": {"zh": "预售订单 {order_id} 发货时间调整", "en": "Pre-order {order_id} will ship later"},
    "refund_completed": {"zh": "订单 {order_id} 退款已完成", "en": "Your refund for order {order_id} is done"},
}


def choice_payload(alert_id: int, choice_id: str) -> str:
    """What a choice button sends as the shopper's message (the chat hands it to proactive/choices.py)."""
    return CHOICE_COMMAND + json.dumps({"alert_id": alert_id, "choice": choice_id}, separators=(",", ":"))


@dataclass
class Delivered:
    outcome: str
    reason: str | None = None
    conversation_id: str | None = None
    channels: dict[str, str] = field(default_factory=dict)


def channels_from(settings: Settings) -> dict[str, Channel]:
    """The outbound channels these settings configure (none: alerts reach the chat only)."""
    channels: dict[str, Channel] = {}
    if settings.smtp_host:
        channels["email"] = SmtpChannel(
            settings.smtp_host, settings.smtp_port, settings.smtp_sender, settings.smtp_username,
            settings.smtp_password.get_secret_value() if settings.smtp_password else None, settings.smtp_security,
        )  # fmt: skip
    if settings.gateway_url:
        channels["webhook"] = WebhookChannel(
            settings.gateway_url, settings.gateway_secret.get_secret_value() if settings.gateway_secret else None
        )
    return channels


class Delivery:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], hub: EventHub, settings: Settings, channels: dict[str, Channel] | None = None
    ) -> None:
        self._sessions, self._hub, self._settings = sessions, hub, settings
        self.channels = channels_from(settings) if channels is None else channels

    async def _thread(self, session: AsyncSession, customer_id: str, lang: str, now: dt.datetime) -> tuple[str, bool]:
        """The shopper's open chat (recent enough to still be on their screen), or a new one."""
        since = now - dt.timedelta(hours=self._settings.proactive_thread_hours)
        open_id = await session.scalar(
            select(Conversation.id)
            .where(Conversation.customer_id == customer_id, Conversation.state.in_(OPEN_STATES), Conversation.created_at >= since)
            .order_by(Conversation.created_at.desc())
            .limit(1)
        )
        if open_id:
            return open_id, False
        # Nobody holds a token for it yet: the widget is given one when the shopper comes back (chat/alert_routes.py).
        conv = Conversation(id=uuid.uuid4().hex, token_hash=token_digest(new_token()), customer_id=customer_id, lang=lang, state="bot", created_at=now)
        session.add(conv)
        await session.flush()
        return conv.id, True

    async def deliver(self, alert_id: int, order: OrderTracking, pref: ProactivePreference | None, now: dt.datetime) -> Delivered:
        async with self._sessions() as session:
            alert = await session.get(ProactiveAlert, alert_id)
            if alert is None:
                return Delivered("failed", "the alert was erased before it went out")
            conversation_id, new = await self._thread(session, alert.customer_id, alert.lang, now)
            buttons = [{"title": c["label"], "payload": choice_payload(alert.id, c["id"])} for c in alert.choices]
            payload = {
                "proactive": {"alert_id": alert.id, "rule": alert.rule_id, "kind": alert.kind, "order_id": alert.order_id},
                "buttons": buttons,
                "lang": alert.lang,
            }
            await events.record(session, conversation_id, "message", "bot", alert.text, payload)
            alert.conversation_id, alert.new_conversation = conversation_id, new
            alert.outcome, alert.sent_at, alert.channels = "sent", now, {"chat": "sent"}
            await session.commit()
        notify(self._hub, conversation_id)
        channels = {"chat": "sent"}
        wanted = (pref.channel if pref else None) or self._settings.proactive_default_channel
        if wanted != "chat":
            channels[wanted] = await self._outbound(wanted, alert, order, pref)
        async with self._sessions() as session:
            stored = await session.get(ProactiveAlert, alert_id)
            if stored is not None:
                stored.channels = channels
                await session.commit()
        log.info("proactive.alert.sent", extra={"alert_id": alert_id, "rule": alert.rule_id, "channels": channels})
        return Delivered("sent", None, conversation_id, channels)

    async def _outbound(self, wanted: str, alert: ProactiveAlert, order: OrderTracking, pref: ProactivePreference | None) -> str:
        channel = self.channels.get(wanted)
        if channel is None:
            setting = "KEFU_SMTP_HOST" if wanted == "email" else "KEFU_GATEWAY_URL"
            return f"skipped: no {wanted} channel configured ({setting})"
        if wanted == "email":
            to = (pref.email if pref else None) or order.customer_email
        else:
            to = (pref.phone if pref else None) or alert.customer_id
        if not to:
            return f"skipped: no {wanted} address for this customer"
        title = SUBJECTS.get(alert.kind, {}).get(alert.lang, "{order_id}").format(order_id=alert.order_id)
        subject, text, html = render_email(
            alert.lang, self._settings.shop_name, title, alert.text, [c["label"] for c in alert.choices], self._settings.storefront_url
        )
        message = OutboundMessage(
            to=to, subject=subject, text=text, html=html, lang=alert.lang,
            data={"alert_id": alert.id, "rule": alert.rule_id, "order_id": alert.order_id, "customer_id": alert.customer_id},
        )  # fmt: skip
        try:
            await channel.send(message)
        except ChannelError as exc:
            log.warning("proactive.channel.failed", extra={"alert_id": alert.id, "channel": wanted, "error": str(exc)})
            return f"failed: {exc}"
        return "sent"
