"""Who the shopper is. A customer id from the browser is only a claim: it counts when the store's
server signed it with the per-store identity secret (the user-hash convention of storefront chat
products), otherwise the chat is a guest chat, and neither the bot nor the console sees an id.

The signed message is the customer id, or the customer id, a newline and the expiry (Unix seconds)
when the store gives one; the signature is HMAC-SHA256 of it under the identity secret, in hex.
Customer ids never contain whitespace, so the two forms cannot be confused."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Literal

# What a customer id may look like: visible characters, no whitespace (which keeps the signed message
# unambiguous) and no control characters.
CUSTOMER_ID_PATTERN = r"^[^\s\x00-\x1f\x7f]{1,64}$"

Status = Literal["verified", "unverified", "guest"]
Refusal = Literal["identity_unsigned", "identity_invalid", "identity_expired", "identity_not_configured"]


def identity_message(customer_id: str, expires: int | None = None) -> bytes:
    return (customer_id if expires is None else f"{customer_id}\n{expires}").encode()


def sign_customer(customer_id: str, secret: str, expires: int | None = None) -> str:
    """What the store's server computes (SECURITY.md shows it in Python, PHP and Node)."""
    return hmac.new(secret.encode(), identity_message(customer_id, expires), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Identity:
    """`customer_id` is what the rest of the service may trust; `refused` says why a claim was not."""

    customer_id: str | None
    status: Status
    refused: Refusal | None = None


def verify_customer(
    customer_id: str | None,
    signature: str | None,
    expires: int | None,
    secret: str | None,
    required: bool,
    now: float | None = None,
) -> Identity:
    """A wrong, expired or missing signature makes a guest rather than an error: the shopper still
    gets help with everything that needs no account, and a forger learns nothing."""
    if not customer_id:
        return Identity(None, "guest")
    if not signature:
        return Identity(customer_id, "unverified") if not required else Identity(None, "guest", "identity_unsigned")
    if not secret:
        return Identity(None, "guest", "identity_not_configured")
    expected = sign_customer(customer_id, secret, expires).encode()
    if not hmac.compare_digest(expected, signature.strip().lower().encode()):
        return Identity(None, "guest", "identity_invalid")
    if expires is not None and expires <= (time.time() if now is None else now):
        return Identity(None, "guest", "identity_expired")
    return Identity(customer_id, "verified")
