"""Typed errors of the handoff service; app.py maps each to an HTTP status in one place, and
`error_responses` documents the same statuses in the OpenAPI."""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout


class ErrorBody(BaseModel):
    """What every refusal answers with, whichever room it comes from."""

    error: str
    message: str
    retry_after: int | None = None


class KefuError(Exception):
    status_code = 400
    code = "bad_request"
    description = "bad input: the message says what is wrong"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    @property
    def headers(self) -> dict[str, str]:
        return {}

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message}


class BadRequest(KefuError):
    pass


class Unauthorized(KefuError):
    status_code = 401
    code = "unauthorized"
    description = "not logged in, or the session or signature is not valid"


class Forbidden(KefuError):
    status_code = 403
    code = "forbidden"
    description = "logged in, but this account or token may not do this"


class NotFound(KefuError):
    status_code = 404
    code = "not_found"
    description = "no such thing"


class Conflict(KefuError):
    status_code = 409
    code = "conflict"
    description = "the chat or record is not in a state that allows this"


class AlreadyReceived(Conflict):
    """The same handoff packet again (the sender retried after its answer was lost): it was queued."""

    code = "already_received"
    description = "this escalation was already received; the chat is queued"


class PayloadTooLarge(KefuError):
    status_code = 413
    code = "too_large"
    description = "the request body is larger than max_body_bytes; nothing of it was read"


class TooManyRequests(KefuError):
    """Over an abuse limit; `Retry-After` says when the next attempt can succeed."""

    status_code = 429
    code = "rate_limited"
    description = "over an abuse limit; retry after the seconds in Retry-After"

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(
            f"操作太频繁，请 {self.retry_after} 秒后再试。Too many attempts: try again in {self.retry_after} s."
        )

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}

    def body(self) -> dict[str, Any]:
        return {**super().body(), "retry_after": self.retry_after}


class ServiceUnavailable(KefuError):
    """The database is out of reach for a moment (PostgreSQL restarting, a failover, every pooled
    connection busy): nothing was stored, and the same request can simply be sent again."""

    status_code = 503
    code = "unavailable"
    description = "the database is out of reach for a moment; nothing was stored: retry after the seconds in Retry-After"

    def __init__(self, retry_after: int = 2) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(
            f"服务暂时不可用，请 {self.retry_after} 秒后再试，您的消息不会丢失。"
            f"The service is briefly unavailable: try again in {self.retry_after} s; nothing is lost."
        )

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}

    def body(self) -> dict[str, Any]:
        return {**super().body(), "retry_after": self.retry_after}


def database_unreachable(exc: BaseException) -> bool:
    """Whether `exc` (or what it wraps) says the database cannot be reached right now, rather
    than that a statement was wrong: a lost or refused connection, a server starting up or
    shutting down, a pool with no connection free, a locked SQLite file."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, (OperationalError, InterfaceError, DisconnectionError, PoolTimeout, ConnectionError)):
            return True
        if type(current).__module__.startswith("asyncpg") and type(current).__name__ in _ASYNCPG_UNREACHABLE:
            return True
        current = getattr(current, "orig", None) or current.__cause__
    return False


# asyncpg's own names for "no connection" (its exceptions may surface unwrapped while connecting).
_ASYNCPG_UNREACHABLE = frozenset({
    "CannotConnectNowError", "ConnectionDoesNotExistError", "ConnectionFailureError", "PostgresConnectionError",
    "AdminShutdownError", "CrashShutdownError", "TooManyConnectionsError", "InterfaceError",
    "ClientCannotConnectError", "ConnectionRejectionError",
})


INVALID_DESCRIPTION = "a field is missing or has the wrong type or size"


def error_responses(*errors: type[KefuError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for a router or route: each error's status with the one error body.
    Every route may also answer 400 (control characters), 413 (body size), 422 (validation) and
    503 (the database out of reach for a moment)."""
    responses: dict[int | str, dict[str, Any]] = {
        422: {"model": ErrorBody, "description": INVALID_DESCRIPTION},
    }
    for error in (BadRequest, PayloadTooLarge, ServiceUnavailable, *errors):
        responses[error.status_code] = {"model": ErrorBody, "description": error.description}
    for status in (429, 503):
        if status in responses:
            responses[status]["headers"] = {
                "Retry-After": {"description": "seconds until a retry can succeed", "schema": {"type": "integer"}}
            }
    return responses


class RasaUnavailable(Exception):
    """Rasa did not answer; the service hands the chat to a person instead of going silent."""
