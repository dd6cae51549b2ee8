"""Outbound channels: how kefu reaches a person outside the chat (e-mail over SMTP, a gateway
webhook for SMS or WeCom), behind one interface. Imports nothing of ours, so every room and the
CLI can send through it (proactive alerts today, reports tomorrow)."""

from kefu_outbound.channels import (
    Channel,
    ChannelError,
    OutboundMessage,
    SmtpChannel,
    WebhookChannel,
)
from kefu_outbound.templates import EmailTemplate, render_email

__all__ = [
    "Channel",
    "ChannelError",
    "EmailTemplate",
    "OutboundMessage",
    "SmtpChannel",
    "WebhookChannel",
    "render_email",
]
