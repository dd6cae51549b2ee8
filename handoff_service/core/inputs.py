"""What every request may hold, in one place: no string in a body (core.events.control_character:
control characters, bidi overrides), in a path or in a query (request_guard.py) may hold a control
character, and a body's fields are taken as the JSON types they are declared (no "5" for 5, no
false for 0). app.py answers these refusals with 400 / 422; the OpenAPI says the same (`plain_text`
patterns), so generated clients and schemathesis know it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from handoff_service.core.events import CONTROL_CLASS, control_character

CONTROL_CHARACTER = "control_character"
# The largest id or sequence number a request may name: PostgreSQL's `integer` (a bigger one would
# fail in the driver, a 500, instead of finding nothing).
MAX_ROW_ID = 2**31 - 1
# JSON Schema (ECMA-262) for "a string with none of them", for the documentation.
PLAIN_TEXT = f"^[^{CONTROL_CLASS}]*$"


def _strings(data: Any, where: str) -> Iterator[tuple[str, str]]:  # noqa: ANN401 - raw JSON
    if isinstance(data, str):
        yield where, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(key, where)
            yield from _strings(value, f"{where}.{key}")
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, f"{where}[{index}]")


def plain_text(schema: dict[str, Any]) -> None:
    """Add the PLAIN_TEXT pattern to every string in `schema` that has no pattern, enum or format."""
    if schema.get("type") == "string" and not {"pattern", "enum", "const", "format"} & schema.keys():
        schema["pattern"] = PLAIN_TEXT
    for value in schema.values():
        if isinstance(value, dict):
            plain_text(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    plain_text(item)


class Input(BaseModel):
    """The base of every request body."""

    model_config = ConfigDict(strict=True, json_schema_extra=plain_text)

    @model_validator(mode="before")
    @classmethod
    def _no_control_characters(cls, data: Any) -> Any:  # noqa: ANN401 - raw JSON
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for name, field in cls.model_fields.items():
            key = field.alias or name
            value = data.get(key)
            if isinstance(value, float) and value.is_integer() and int in (get_args(field.annotation) or (field.annotation,)):
                data[key] = int(value)  # JSON's 4.0 is the integer 4; strict mode alone would refuse it
            for where, text in _strings(value, name):
                if bad := control_character(text):
                    raise PydanticCustomError(
                        CONTROL_CHARACTER,
                        "{field} 含有不允许的控制字符 {character}。{field} contains a control character ({character}).",
                        {"field": where, "character": bad},
                    )
        return data


def document_plain_text(openapi: dict[str, Any]) -> dict[str, Any]:
    """Paths and queries refuse control characters for every route (request_guard.py): say so in
    each string parameter of the OpenAPI."""
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") in ("path", "query") and "schema" in parameter:
                    plain_text(parameter["schema"])
    return openapi
