"""kefu's Rasa server: `python -m bot.server run …` is `rasa run …` with the same arguments
(kefu/supervisor.py starts it this way) and one change to Rasa's internals, which earns its place
by the measure in BENCHMARKS.md ("Session 6: Rasa patches side by side").

- Rasa checks each action-server response with `jsonschema.validate`, which checks Rasa's constant
  response schema against the JSON Schema metaschema again on every call (jsonschema 3.2, the
  version bot/constraints-py310.txt pins because 4.x is slower still): ≈ 2.4 ms of CPU per
  response here, against ≈ 0.2 ms for a validator built once. Here the schema is checked once and
  its validator built once; every response is still validated, and a bad one fails with Rasa's own
  message.

What else kefu adds goes through Rasa's documented extension points, named in the files `rasa run`
reads: the tracker store (bot/tracker_store.py, in bot/endpoints.yml) and a channel that freezes
the start-up heap once the model is loaded (bot/frozen_heap.py, in bot/credentials.yml).
tests/integration/test_rasa_server.py checks the versions these rely on, and that the validator
decides as Rasa's own.
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
    """Apply the change to `rasa run` (call once, before Rasa starts serving)."""
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = compiled_response_validator()  # type: ignore[method-assign]


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
