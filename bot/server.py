"""kefu's Rasa server: `python -m bot.server run …` takes the same arguments as `rasa run`.

Why not `rasa run` itself: Rasa 3.6 checks each action-server response with
`jsonschema.validate`, which re-checks Rasa's constant response schema against the JSON Schema
metaschema on every call before it looks at the response. On this bot that was a fifth of
Rasa's CPU per turn (py-spy; BENCHMARKS.md, "Speed of a turn"). Here the schema is checked
once and its validator built once; every response is still validated, and a bad one fails
with Rasa's own message, as before.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Dict, Text

RASA_FORMAT_HINT = (
    ". Failed to validate Action server response from API, make sure your response from the "
    "Action endpoint is valid. For more information about the format visit "
)


def compiled_response_validator() -> Callable[[Any, Dict[Text, Any]], bool]:
    """A drop-in for `RemoteAction._validate_action_result` that reuses one validator."""
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:  # noqa: ANN401 - RemoteAction
        error = best_match(validator.iter_errors(result))  # the error `jsonschema.validate` picks
        if error is not None:
            error.message += f"{RASA_FORMAT_HINT}{DOCS_BASE_URL}/custom-actions"
            raise error
        return True

    return validate_action_result


def install() -> None:
    """Swap Rasa's per-call schema check for the compiled validator (idempotent)."""
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = compiled_response_validator()  # type: ignore[method-assign]


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
