"""A logging filter that masks personal data in every record a handler writes.

Installed on handlers, not loggers: a logger's filter sees only records made by that very logger,
while a handler's sees every record that reaches it, from any module or library. The record is
masked in place (message, arguments, extra fields, the formatted traceback), so every later handler
sees it masked too, and a record is masked once however many handlers it passes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from kefu_privacy.masker import mask_pii

# What LogRecord carries by itself; anything else on a record came from `extra=`.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "taskName"}
_MASKED = "_kefu_pii_masked"


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """What `extra=` put on the record (uvicorn's `color_message`, a copy of the message, aside)."""
    return {
        key: value
        for key, value in record.__dict__.items()
        if key not in _STANDARD and not key.startswith("_") and key != "color_message"
    }


def mask_value(value: Any) -> Any:
    """Strings masked, containers walked (copied, never changed in place), anything else as it is."""
    if isinstance(value, str):
        return mask_pii(value)
    if isinstance(value, Mapping):
        return {key: mask_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(mask_value(item) for item in value)
    return value


def _masked_arg(arg: Any) -> Any:  # noqa: ANN401 - a %-format argument
    """Numbers stay numbers (for %d); other objects (httpx's URL…) are masked as the text %s shows."""
    if arg is None or isinstance(arg, bool | int | float | str | Mapping | list | tuple):
        return mask_value(arg)
    return mask_pii(str(arg))


class PiiFilter(logging.Filter):
    """Never drops a record; masks it (see the module's docstring)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _MASKED, False):
            return True
        # Not always a string: `log.error(exc)` logs the exception, which getMessage() makes one.
        record.msg = mask_pii(record.msg if isinstance(record.msg, str) else str(record.msg))
        if isinstance(record.args, Mapping):
            record.args = {key: _masked_arg(arg) for key, arg in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_masked_arg(arg) for arg in record.args)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD and not key.startswith("_"):  # extras, uvicorn's color_message too
                setattr(record, key, mask_value(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_pii(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_pii(record.stack_info)
        setattr(record, _MASKED, True)
        return True


def mask_root_logging(fmt: str = "%(asctime)s %(levelname)-8s %(name)s  - %(message)s") -> None:
    """Put the filter on every handler of the root logger. A process whose logging nobody set up
    (a worker a server spawned) first gets one to stderr in `fmt`, at logging's default level
    (warnings and errors): without it, those went out through Python's last-resort handler,
    which takes no filters."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(fmt))
        root.addHandler(handler)
    install(root.handlers)


def install(handlers: list[logging.Handler]) -> None:
    """Add the filter to `handlers` that lack it (for loggers configured in code, not by dictConfig)."""
    for handler in handlers:
        if not any(isinstance(f, PiiFilter) for f in handler.filters):
            handler.addFilter(PiiFilter())
