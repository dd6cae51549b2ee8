"""The channels. Each `send` either delivers or raises ChannelError with a reason a person can act on."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import smtplib
import ssl
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Protocol

import httpx


class ChannelError(Exception):
    """The message did not go out: the server refused it, could not be reached, or no address is known."""


@dataclass(frozen=True)
class OutboundMessage:
    """One message to one person. `to` is what the channel needs (an e-mail address, a phone
    number or a customer id for a gateway); `data` rides along to a webhook gateway as is."""

    to: str
    subject: str
    text: str
    html: str | None = None
    lang: str = "zh"
    data: dict[str, Any] = field(default_factory=dict)


class Channel(Protocol):
    name: str

    async def send(self, message: OutboundMessage) -> str:
        """Deliver `message`; return the channel's id for it (a Message-ID, the gateway's answer)."""
        ...


class SmtpChannel:
    """E-mail through an SMTP server (the store's own, or a provider's relay). Standard library
    smtplib in a worker thread: one short connection per message, STARTTLS or implicit TLS when
    configured, login when a user is set."""

    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        security: str = "none",  # none | starttls | tls
        timeout: float = 10.0,
    ) -> None:
        if security not in ("none", "starttls", "tls"):
            raise ValueError(f"SMTP security must be none, starttls or tls, not {security!r}")
        self._host, self._port, self._sender = host, port, sender
        self._username, self._password = username, password
        self._security, self._timeout = security, timeout

    def build(self, message: OutboundMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(domain=self._sender.rpartition("@")[2] or None)
        mail.set_content(message.text)
        if message.html:
            mail.add_alternative(message.html, subtype="html")
        mail["Content-Language"] = "zh-CN" if message.lang == "zh" else "en"  # after: set_content clears Content-*
        return mail

    def _send_now(self, mail: EmailMessage) -> None:
        context = ssl.create_default_context()
        smtp_class = smtplib.SMTP_SSL if self._security == "tls" else smtplib.SMTP
        kwargs: dict[str, Any] = {"timeout": self._timeout}
        if self._security == "tls":
            kwargs["context"] = context
        with smtp_class(self._host, self._port, **kwargs) as smtp:
            if self._security == "starttls":
                smtp.starttls(context=context)
            if self._username:
                smtp.login(self._username, self._password or "")
            smtp.send_message(mail)

    async def send(self, message: OutboundMessage) -> str:
        if "@" not in message.to:
            raise ChannelError(f"no e-mail address to send to ({message.to!r})")
        mail = self.build(message)
        try:
            await asyncio.to_thread(self._send_now, mail)
        except smtplib.SMTPRecipientsRefused as exc:
            raise ChannelError(f"the mail server refused the address {message.to}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(f"e-mail via {self._host}:{self._port} failed: {exc!r}"[:300]) from exc
        return str(mail["Message-ID"])


TIMESTAMP_HEADER = "X-Kefu-Timestamp"
SIGNATURE_HEADER = "X-Kefu-Signature"


class WebhookChannel:
    """A JSON POST to an SMS or WeCom gateway the store runs (or a provider's), signed with HMAC-SHA256
    of "<timestamp>.<body>" so the gateway knows it comes from kefu (the same scheme as kefu's own
    webhooks). Any 2xx is delivered; anything else is a ChannelError."""

    name = "webhook"

    def __init__(self, url: str, secret: str | None = None, timeout: float = 10.0, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._url, self._secret = url, secret
        self._timeout, self._transport = timeout, transport

    def headers(self, body: bytes, now: float | None = None) -> dict[str, str]:
        headers = {"content-type": "application/json"}
        if self._secret:
            ts = str(int(time.time() if now is None else now))
            digest = hmac.new(self._secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
            headers |= {TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: f"sha256={digest}"}
        return headers

    async def send(self, message: OutboundMessage) -> str:
        body = json.dumps(
            {"to": message.to, "subject": message.subject, "text": message.text, "lang": message.lang, "data": message.data},
            ensure_ascii=False,
        ).encode()
        try:
            async with httpx.AsyncClient(timeout=self._timeout, transport=self._transport) as http:
                response = await http.post(self._url, content=body, headers=self.headers(body))
        except httpx.HTTPError as exc:
            raise ChannelError(f"gateway {self._url} unreachable: {exc!r}"[:300]) from exc
        if not 200 <= response.status_code < 300:
            raise ChannelError(f"gateway answered {response.status_code}: {response.text[:200]}")
        return response.headers.get("x-message-id", str(response.status_code))
