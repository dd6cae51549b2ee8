"""Helpers for testing the handoff service over real HTTP: a fake Rasa at the HTTP seam, real
databases (a throw-away SQLite file or PostgreSQL database), and small API clients."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

# The desk benchmark needs these too and nothing may import the tests, so they live in benchmarks/.
from benchmarks.handoff_databases import add_agent, postgres_database  # noqa: F401 (re-exported)
from handoff_service.chat.identity import sign_customer
from kefu_contract.packet import HandoffPacket, sign

SECRET = "unit-test-secret"
# What the tests' "store" signs its customers with (Settings(identity_secret=IDENTITY_SECRET)).
IDENTITY_SECRET = "unit-test-identity-secret"
REDIS_URL = "redis://127.0.0.1:6379/0"


class FakeRasa:
    """Answers like Rasa's REST channel: echoes the text; records what reached it.

    `turns[text]` is the action's report of how it understood `text` (custom.kefu_turn), which the
    REST channel returns as a reply of its own after the text; for a text in `quiet` the action
    said nothing else (it handed over)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.slots: list[dict[str, Any]] = []
        self.down = False
        self.turns: dict[str, dict[str, Any]] = {}
        self.quiet: set[str] = set()

    def handler(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused")
        body = json.loads(request.content)
        if request.url.path == "/webhooks/rest/webhook":
            self.received.append(body)
            sender, text = body["sender"], body["message"]
            replies = [] if text in self.quiet else [{"recipient_id": sender, "text": f"bot: {text}"}]
            if text in self.turns:
                replies.append({"recipient_id": sender, "custom": {"kefu_turn": self.turns[text]}})
            return httpx.Response(200, json=replies)
        if request.url.path.endswith("/tracker/events"):
            self.slots.append(body)
            return httpx.Response(200, json={})
        return httpx.Response(404)


@contextmanager
def database(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / f'handoff-{uuid.uuid4().hex[:6]}.db'}"
    else:
        with postgres_database() as url:
            yield url


def open_chat(http: httpx.Client, base: str, customer_id: str | None = "C1001", lang: str = "zh") -> tuple[str, dict[str, str]]:
    """A chat of `customer_id` as the store signed in (IDENTITY_SECRET), or a guest's."""
    signature = sign_customer(customer_id, IDENTITY_SECRET) if customer_id else None
    body = {"customer_id": customer_id, "customer_signature": signature, "lang": lang}
    created = http.post(f"{base}/api/sessions", json=body)
    assert created.status_code == 201, created.text
    return created.json()["conversation_id"], {"Authorization": f"Bearer {created.json()['token']}"}


def socket_auth(token: str) -> list[str]:
    """The subprotocols a WebSocket carries its token in (never the URL): `connect(url, subprotocols=…)`."""
    return ["kefu", f"kefu.token.{token}"]


def events(http: httpx.Client, base: str, cid: str, auth: dict[str, str]) -> list[dict[str, Any]]:
    return http.get(f"{base}/api/sessions/{cid}/events", params={"wait": "false"}, headers=auth).json()["events"]


def escalate(
    http: httpx.Client, base: str, cid: str, secret: str = SECRET, reason: str = "explicit_request", **fields: Any
) -> tuple[httpx.Response, bytes, dict[str, str]]:
    body = HandoffPacket(conversation_id=cid, reason=reason, **fields).model_dump_json().encode()
    headers = {"content-type": "application/json", **sign(body, secret)}
    return http.post(f"{base}/api/escalations", content=body, headers=headers), body, headers


def login(http: httpx.Client, base: str, username: str = "agent", password: str = "kefu-demo") -> dict[str, str]:
    response = http.post(f"{base}/api/agent/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}
