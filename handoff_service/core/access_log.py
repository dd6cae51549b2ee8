"""Secrets in a URL never reach the logs: the access log keeps each request's path with its query.

kefu's own clients send tokens in headers (and WebSockets' as a subprotocol), but an old widget,
a hand-made script or a store's own integration may still put `?token=…` in a URL; this filter
blanks the value of every query parameter whose name says it is a secret, on the loggers that
write URLs (uvicorn's access log, uvicorn's WebSocket lines, httpx's request lines)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

SECRET_PARAMETER = re.compile(
    r"((?:^|[?&;])[\w.-]*(?:token|secret|password|signature|hash)[\w.-]*=)[^&#;\s\"']*", re.IGNORECASE
)
REDACTED = "[redacted]"
URL_LOGGERS = ("uvicorn.access", "uvicorn.error", "httpx")


def redact_url(text: str) -> str:
    return SECRET_PARAMETER.sub(rf"\g<1>{REDACTED}", text)


class UrlSecretFilter(logging.Filter):
    """Rewrites the record's arguments (uvicorn's access formatter reads them one by one) and message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_url(arg) if isinstance(arg, str) else arg for arg in record.args)
        if isinstance(record.msg, str):
            record.msg = redact_url(record.msg)
        return True


def hide_url_secrets() -> Callable[[], None]:
    """Filters the URL-writing loggers for as long as the app runs; returns the undo."""
    url_filter = UrlSecretFilter()
    loggers = [logging.getLogger(name) for name in URL_LOGGERS]
    for logger in loggers:
        logger.addFilter(url_filter)

    def undo() -> None:
        for logger in loggers:
            logger.removeFilter(url_filter)

    return undo
