"""The handoff packet: what the bot sends when it hands a chat to a person. Versioned, signed.

This module is the one place the schema lives: the action server builds and signs packets with
it, the handoff service verifies and reads them. It depends on pydantic and the standard library
only (the Rasa server never loads it).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any, Literal

from pydantic import BaseModel, Field

from kefu_contract.metadata import Language

SCHEMA_VERSION = 1
TIMESTAMP_HEADER = "X-Kefu-Timestamp"
SIGNATURE_HEADER = "X-Kefu-Signature"

Reason = Literal[
    "explicit_request",
    "low_confidence",
    "out_of_scope_repeated",
    "upset",
    "repeated_failure",
    "high_risk",
    "bot_unavailable",
]
Priority = Literal["urgent", "important", "routine"]


class Turn(BaseModel):
    """One message of the transcript the agent reads, a shopper's with how the bot understood it."""

    sender: Literal["shopper", "bot"]
    text: str
    intent: str | None = None
    confidence: float | None = None
    timestamp: float | None = None
    # How upset a shopper turn reads, from the upset detector: 0 = calm … 1 = clearly upset.
    sentiment: float | None = None
    upset: bool | None = None


class OrderSummary(BaseModel):
    """An order as the agent's customer panel shows it, so the agent need not ask for it."""

    order_id: str
    status: str
    total: float
    created_at: str
    items: list[str] = Field(default_factory=list)
    logistics: str | None = None


class CustomerProfile(BaseModel):
    """Who the shopper is to the store: VIP tags, spend and past complaints set the priority."""

    customer_id: str
    name: str | None = None
    tags: list[str] = Field(default_factory=list)
    order_count: int = 0
    total_spend: float = 0.0
    average_order_value: float = 0.0
    past_complaints: int = 0
    orders: list[OrderSummary] = Field(default_factory=list)


class HandoffPacket(BaseModel):
    """Everything an agent needs to take over without asking the shopper to repeat themselves."""

    schema_version: Literal[1] = SCHEMA_VERSION
    conversation_id: str = Field(min_length=1, max_length=64)
    reason: Reason
    priority: Priority = "routine"
    language: Language = "zh"
    summary: str = ""
    transcript: list[Turn] = Field(default_factory=list)
    slots: dict[str, Any] = Field(default_factory=dict)
    customer: CustomerProfile | None = None
    # Said to the shopper before the queue notice (e.g. an empathic word to an upset shopper).
    holding_message: str | None = Field(default=None, max_length=500)


class SignatureError(Exception):
    """The post is not from someone holding the shared secret, or is too old to trust."""


def sign(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers that prove `body` comes from a holder of `secret` at `timestamp`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: f"sha256={digest}"}


def verify(body: bytes, headers: dict[str, str], secret: str, max_age_seconds: int, now: float | None = None) -> str:
    """Check a signed post; return its signature (the replay key) or raise SignatureError."""
    ts = headers.get(TIMESTAMP_HEADER.lower()) or headers.get(TIMESTAMP_HEADER)
    given = headers.get(SIGNATURE_HEADER.lower()) or headers.get(SIGNATURE_HEADER)
    if not ts or not given:
        raise SignatureError("missing signature headers")
    try:
        age = (time.time() if now is None else now) - int(ts)
    except ValueError as exc:
        raise SignatureError("timestamp is not a number") from exc
    if abs(age) > max_age_seconds:
        raise SignatureError("timestamp too old or in the future")
    expected = sign(body, secret, int(ts))[SIGNATURE_HEADER]
    if not hmac.compare_digest(expected, given):
        raise SignatureError("signature does not match")
    return given
