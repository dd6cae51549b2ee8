"""kefu's Rasa server: `python -m bot.server run …` takes the same arguments as `rasa run`.

Why not `rasa run` itself: four costs of Rasa 3.6 per turn, measured in BENCHMARKS.md ("Speed of
a turn"), that a busy bot cannot afford.

- Rasa checks each action-server response with `jsonschema.validate`, which re-checks Rasa's
  constant response schema against the JSON Schema metaschema on every call: a fifth of Rasa's
  CPU per turn. Here the schema is checked once and its validator built once; every response
  is still validated, and a bad one fails with Rasa's own message.
- Rasa with a loaded model (TensorFlow, the pipeline's components) is ~500,000 Python objects that
  the garbage collector's full passes walk again and again: a stall of ~0.3 s every few
  seconds under load, which every turn in flight waits out. Here they are frozen once the
  model is loaded, so full passes only walk what the conversations allocate.
- Rasa opens a new HTTP session, and so a new connection, for every call to the action server
  (~0.7 ms of CPU each, both ends). Here each endpoint keeps one session with kept-alive
  connections.
- Rasa runs its model's graph (NLU once per message, the policies once per prediction) through
  dask, which plans the run again every time: ≈ 1 ms of a 9 ms parse. Here the order for a
  set of targets is planned once and the same nodes run in it, with the same inputs and results.
"""

from __future__ import annotations

import gc
import sys
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

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


def freeze_after_loading(load: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Wraps Rasa's model loading at start: what exists once the model is loaded lives as long
    as the server, so the collector stops walking it."""

    async def load_then_freeze(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - Rasa's Agent
        loaded = await load(*args, **kwargs)
        gc.collect()
        gc.freeze()
        return loaded

    return load_then_freeze


class _KeptOpen:
    """Lends a shared session to Rasa's `async with endpoint.session() as session:` without
    closing it at the end of the block."""

    def __init__(self, session: Any) -> None:  # noqa: ANN401 - aiohttp.ClientSession
        self._session = session

    async def __aenter__(self) -> Any:  # noqa: ANN401
        return self._session

    async def __aexit__(self, *exc_info: object) -> None:
        return None


def one_session_per_endpoint(make: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Wraps `EndpointConfig.session` (headers, auth and timeout stay Rasa's): the first call
    makes the session, later calls share it until it is closed."""

    def session(endpoint: Any) -> _KeptOpen:  # noqa: ANN401 - rasa.utils.endpoints.EndpointConfig
        kept = endpoint.__dict__.get("_kefu_session")
        if kept is None or kept.closed:
            kept = endpoint.__dict__["_kefu_session"] = make(endpoint)
        return _KeptOpen(kept)

    return session


Step = Tuple[Text, Callable[..., Tuple[Text, Any]], Tuple[Text, ...]]


def planned_order(schema: Any, nodes: Dict[Text, Any], targets: List[Text]) -> List[Step]:  # noqa: ANN401 - GraphSchema
    """Each node the targets need, after the nodes it needs: (name, node, names of its inputs)."""
    order: List[Step] = []
    placed: set = set()

    def place(name: Text) -> None:
        if name in placed or name not in schema.nodes:
            return  # placed already, or a run input
        placed.add(name)
        needs = tuple(schema.nodes[name].needs.values())
        for need in needs:
            place(need)
        order.append((name, nodes[name], needs))

    for target in targets:
        place(target)
    return order


def run_planned(self: Any, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None) -> Dict[Text, Any]:  # noqa: ANN401 - DaskGraphRunner
    """A drop-in for `DaskGraphRunner.run`: what dask would compute, in an order planned once per targets."""
    from rasa.engine.exceptions import GraphRunError

    run_targets = list(targets or self._graph_schema.target_names)
    plans = self.__dict__.setdefault("_kefu_plans", {})
    plan = plans.get(tuple(run_targets))
    if plan is None:
        schema = self._graph_schema.minimal_graph_schema(run_targets)
        plan = plans[tuple(run_targets)] = planned_order(schema, self._instantiated_nodes, run_targets)
    values: Dict[Text, Any] = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and any(value == step[0] for step in plan):
            raise GraphRunError(
                f"Input value '{value}' clashes with a node name. Make sure that none of the input names "
                f"passed to the `run` method are the same as node names in the graph schema."
            )
        values[name] = (name, value)
    try:
        for name, node, needs in plan:
            values[name] = node(*(values.get(need, need) for need in needs))  # as dask: an unknown key is a literal
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e
    return dict(values[target] for target in run_targets)


def install() -> None:
    """Apply the four changes to `rasa run` (call once, before Rasa starts serving)."""
    from rasa.core import run
    from rasa.core.actions.action import RemoteAction
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.utils.endpoints import EndpointConfig

    RemoteAction._validate_action_result = compiled_response_validator()  # type: ignore[method-assign]
    run.load_agent_on_start = freeze_after_loading(run.load_agent_on_start)
    EndpointConfig.session = one_session_per_endpoint(EndpointConfig.session)  # type: ignore[method-assign]
    DaskGraphRunner.run = run_planned  # type: ignore[method-assign]


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
