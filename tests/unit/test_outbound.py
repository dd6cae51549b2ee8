"""The outbound channels against real servers on free ports: e-mail to aiosmtpd (zh and en
templates), a refusing or absent SMTP server as a ChannelError, and the gateway webhook signed so
the gateway can check it. Plus the store's order changes over the HTTP contract."""

from __future__ import annotations

import email
import email.header
import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from kefu.supervisor import free_port
from kefu_outbound import (
    ChannelError,
    OutboundMessage,
    SmtpChannel,
    WebhookChannel,
    render_email,
)
from store.api import create_app as store_api
from store.demo import DemoStore
from store.http import HttpStore
from tests.conftest import ServerThread


class Inbox:
    def __init__(self, refuse: bool = False) -> None:
        self.messages: list[email.message.Message] = []
        self.refuse = refuse

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self.refuse:
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def decoded(value: str) -> str:
    return str(email.header.make_header(email.header.decode_header(value)))


async def test_an_email_goes_out_in_the_shoppers_language_with_text_and_html(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    channel = SmtpChannel("127.0.0.1", port, "service@yue.example")
    subject, text, html = render_email("zh", "悦衣小铺", "订单 O1 物流延迟", "您的包裹 60 小时没有更新了。", ["领 10 元券", "补发"], "https://shop.example/")
    message_id = await channel.send(OutboundMessage("lin@example.com", subject, text, html, "zh"))
    mail = inbox.messages[0]
    assert mail["Message-ID"] == message_id and mail["Content-Language"] == "zh-CN"
    assert decoded(mail["Subject"]) == "【悦衣小铺】订单 O1 物流延迟"
    parts = {p.get_content_type(): p.get_payload(decode=True).decode() for p in mail.walk() if not p.is_multipart()}
    assert "  · 领 10 元券" in parts["text/plain"] and "https://shop.example/" in parts["text/plain"]
    assert "<li>补发</li>" in parts["text/html"] and 'lang="zh-CN"' in parts["text/html"]
    en_subject, en_text, _ = render_email("en", "Yue", "Order O1 is delayed", "It has not moved.", [], "https://shop.example/")
    assert en_subject == "[Yue] Order O1 is delayed" and "Tell us in the chat on our store and we will switch them off." in en_text


async def test_an_address_the_server_refuses_and_a_server_that_is_not_there_are_channel_errors() -> None:
    inbox, port = Inbox(refuse=True), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with pytest.raises(ChannelError, match="refused the address nobody@example.com"):
            await SmtpChannel("127.0.0.1", port, "s@yue.example").send(OutboundMessage("nobody@example.com", "s", "t"))
    finally:
        controller.stop()
    with pytest.raises(ChannelError, match="failed"):
        await SmtpChannel("127.0.0.1", free_port(), "s@yue.example", timeout=2).send(OutboundMessage("a@example.com", "s", "t"))
    with pytest.raises(ChannelError, match="no e-mail address"):
        await SmtpChannel("127.0.0.1", 25, "s@yue.example").send(OutboundMessage("C1001", "s", "t"))


async def test_the_gateway_webhook_is_signed_and_a_refusal_is_a_channel_error() -> None:
    received: list[tuple[dict[str, Any], dict[str, str]]] = []
    gateway = FastAPI()

    @gateway.post("/sms")
    async def sms(request: Request) -> JSONResponse:
        body = await request.body()
        received.append((json.loads(body), dict(request.headers)))
        ts = request.headers["x-kefu-timestamp"]
        good = hmac.new(b"gateway-secret", ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        if request.headers["x-kefu-signature"] != f"sha256={good}":
            return JSONResponse({"detail": "bad signature"}, status_code=401)
        return JSONResponse({"ok": True}, headers={"x-message-id": "sms-1"})

    with ServerThread(gateway) as server:
        sent = await WebhookChannel(f"{server.url}/sms", "gateway-secret").send(
            OutboundMessage("+86 138 0000 0000", "订单已发货", "您的订单已发出", lang="zh", data={"order_id": "O1"})
        )
        assert sent == "sms-1"
        assert received[0][0] == {"to": "+86 138 0000 0000", "subject": "订单已发货", "text": "您的订单已发出", "lang": "zh", "data": {"order_id": "O1"}}
        with pytest.raises(ChannelError, match="gateway answered 401"):
            await WebhookChannel(f"{server.url}/sms", "wrong-secret").send(OutboundMessage("+86 1", "s", "t"))


def test_order_changes_over_the_store_contract_page_by_cursor(tmp_path: Path) -> None:
    demo = DemoStore(tmp_path / "store.db")
    with ServerThread(store_api(demo)) as server:
        remote = HttpStore(server.url)
        first = remote.order_changes(None, limit=10)
        assert len(first.orders) == 10 and first.cursor == "10"
        rest = remote.order_changes(first.cursor, limit=100)
        everything = {o.order_id: o for o in first.orders + rest.orders}
        assert everything == {o.order_id: o for o in demo.order_changes(None, limit=100).orders}
        stuck = everything["O20261115004"]
        assert (stuck.carrier, stuck.customer_email, stuck.customer_lang) == ("YTO Express", "emma.zhang@example.com", "en")
        assert remote.order_changes(rest.cursor).orders == []
        remote.close()
    demo.close()
