"""Passwords, agent login sessions and shopper tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from pwdlib import PasswordHash

_hasher: PasswordHash | None = None


def _password_hash() -> PasswordHash:
    global _hasher
    if _hasher is None:
        _hasher = PasswordHash.recommended()  # argon2id
    return _hasher


def hash_password(password: str) -> str:
    return _password_hash().hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _password_hash().verify(password, password_hash)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Tokens are stored only as digests: a leaked database opens no chat."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, digest: str) -> bool:
    return hmac.compare_digest(token_digest(token), digest)


def session_expiry(hours: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)


def is_expired(expires_at: dt.datetime) -> bool:
    if expires_at.tzinfo is None:  # SQLite returns naive datetimes
        expires_at = expires_at.replace(tzinfo=dt.UTC)
    return expires_at < dt.datetime.now(dt.UTC)
