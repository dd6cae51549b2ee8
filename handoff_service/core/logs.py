"""How the handoff service logs: uvicorn's own configuration, with personal data masked on every
handler (kefu_privacy.PiiFilter), the service's loggers written through uvicorn's handler instead
of Python's last-resort one (which takes no filters), and each event's fields shown after its name
(`handoff.conversation.assigned conversation_id=… agent=ann`)."""

from __future__ import annotations

import copy
import logging
from typing import Any

from uvicorn.config import LOGGING_CONFIG
from uvicorn.logging import DefaultFormatter

from kefu_privacy.logs import extra_fields


class EventFormatter(DefaultFormatter):
    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        line = super().formatMessage(record)
        fields = extra_fields(record)
        return line + "".join(f" {key}={value}" for key, value in fields.items()) if fields else line


def log_config(level: str = "INFO") -> dict[str, Any]:
    """For `uvicorn.run(log_config=…)` or `logging.config.dictConfig`."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {**config.get("filters", {}), "pii": {"()": "kefu_privacy.PiiFilter"}}
    config["formatters"]["default"]["()"] = f"{__name__}.EventFormatter"
    for handler in config["handlers"].values():
        handler["filters"] = [*handler.get("filters", []), "pii"]
    config["root"] = {"handlers": ["default"], "level": level.upper()}
    return config
