"""The base of every request body: no string in it may hold a control character or a bidi override
(events.control_character), wherever it sits (names, comments, contacts, tags, lists), so none
reaches the database or a person's screen. app.py answers this refusal with 400, not 422."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, model_validator
from pydantic_core import PydanticCustomError

from handoff_service.core.events import control_character

CONTROL_CHARACTER = "control_character"


def _strings(data: Any, where: str = "") -> Iterator[tuple[str, str]]:  # noqa: ANN401 - raw JSON
    if isinstance(data, str):
        yield where, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(key, where)
            yield from _strings(value, f"{where}.{key}" if where else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, f"{where}[{index}]")


class Input(BaseModel):
    @model_validator(mode="before")
    @classmethod
    def _no_control_characters(cls, data: Any) -> Any:  # noqa: ANN401 - raw JSON
        for where, text in _strings(data):
            if bad := control_character(text):
                raise PydanticCustomError(
                    CONTROL_CHARACTER,
                    "{field} 含有不允许的控制字符 {character}。{field} contains a control character ({character}).",
                    {"field": where or "body", "character": bad},
                )
        return data
