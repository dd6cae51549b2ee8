"""What the handoff service sends along with each shopper message, in Rasa's message metadata.

Why: the language of a turn is detected once, where the message arrives (the handoff service),
and carried, so the action server answers in the language the transcript and the review inbox
recorded instead of guessing again; the message id lets a turn report name the message it is
about. Rasa passes `metadata` through untouched to the tracker the action server reads:

    {"customer_id": "C1001", "kefu": {"language": "zh", "message_id": "42"}}

Reading is tolerant: a message from an older sender, or a damaged entry, reads as nothing
carried, and the action server falls back to detecting the language itself. Standard library
only, so any process (even the Rasa server's Python 3.10) can read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard

KEY = "kefu"  # in Rasa's message metadata
Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")


def is_language(value: object) -> TypeGuard[Language]:
    """Whether `value` names one of kefu's languages (anything else is not a carried language)."""
    return isinstance(value, str) and value in LANGUAGES


@dataclass(frozen=True)
class MessageMetadata:
    """The shopper message's language, as detected on arrival, and its id in the handoff service."""

    language: Language | None = None
    message_id: str | None = None

    def to_metadata(self) -> dict[str, Any]:
        """The entry to merge into the metadata of the message sent to Rasa (`{KEY: {...}}`);
        unset fields are left out."""
        carried: dict[str, Any] = {}
        if self.language is not None:
            carried["language"] = self.language
        if self.message_id is not None:
            carried["message_id"] = self.message_id
        return {KEY: carried}

    @classmethod
    def from_metadata(cls, metadata: object) -> MessageMetadata | None:
        """What a message's metadata carries, or None when it carries nothing of ours. Never raises:
        an unknown language or a message id of the wrong type is dropped, unknown fields ignored."""
        if not isinstance(metadata, Mapping):
            return None
        carried = metadata.get(KEY)
        if not isinstance(carried, Mapping):
            return None
        language = carried.get("language")
        message_id = carried.get("message_id")
        if isinstance(message_id, int) and not isinstance(message_id, bool):
            message_id = str(message_id)  # an event's sequence number, sent as a number
        found = cls(
            language=language if is_language(language) else None,
            message_id=message_id if isinstance(message_id, str) and 0 < len(message_id) <= 128 else None,
        )
        return None if found == cls() else found
