"""The action server: rasa-sdk's own, answering only calls that carry its secret.

`python -m bot.action_server --actions bot.actions --port 5055` takes rasa-sdk's arguments.
Why not `python -m rasa_sdk` alone: anyone who reaches it could run `action_escalate` and have
it sign a hand-over with the handoff secret, or read any customer's orders. Rasa sends the secret
with every call (the `headers` of `action_endpoint` in bot/endpoints.yml); other calls get 401.
`/health` stays open: it says nothing but "ok". Built with rasa-sdk's own app factory and Sanic's
documented middleware, started the way `rasa_sdk.endpoint.run` starts it.

Ready before it answers: each worker first runs one real turn in a thread (the encoder, the
knowledge index, the upset model and jieba's dictionary load on first use, 5–75 s on a busy
machine). Until then every call gets 503 with `Retry-After`, `/health` included: Rasa then
returns no reply at once and the handoff service queues the chat for a person within a second,
instead of the shopper waiting out Rasa's 30 s timeout behind a blocked event loop (issue #15).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app_for_serve, create_argument_parser
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.worker.loader import AppLoader

from bot.actions.settings import ActionSettings
from kefu_privacy import mask_root_logging

OPEN_PATHS = frozenset({"/health"})
RETRY_AFTER_SECONDS = 5
log = logging.getLogger(__name__)

# One knowledge-base question in Chinese, as Rasa would send it: it loads everything a turn needs.
WARM_UP_CALL: dict[str, Any] = {
    "next_action": "action_answer_from_kb",
    "sender_id": "warm-up",
    "tracker": {
        "sender_id": "warm-up",
        "slots": {},
        "latest_message": {"text": "你好", "intent": {}, "entities": []},
        "events": [],
    },
    "domain": {},
    "version": "3.6.21",
}


class Readiness:
    """Whether this worker has loaded what a turn needs; `load` runs `warm_up` (blocking) in a
    thread, so the event loop keeps answering 503 meanwhile instead of holding calls."""

    def __init__(self, warm_up: Callable[[], object] | None) -> None:
        self._warm_up = warm_up
        self.ready = warm_up is None

    async def load(self) -> None:
        started = time.monotonic()
        try:
            await asyncio.to_thread(self._warm_up)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - turns then fail on their own, each with its honest answer
            log.exception("actions.warm_up.failed")
        self.ready = True
        log.info("actions.ready", extra={"seconds": round(time.monotonic() - started, 1)})


def warm_up_with(executor: ActionExecutor) -> Callable[[], object]:
    """One real turn through the executor, in an event loop of the calling thread's own."""
    return lambda: asyncio.run(executor.run(WARM_UP_CALL))


def refuse_until_ready(readiness: Readiness) -> Callable[[Request], Awaitable[HTTPResponse | None]]:
    """A request middleware: 503 + Retry-After for every call until the worker is ready."""

    async def check(request: Request) -> HTTPResponse | None:
        if readiness.ready:
            return None
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if request.path in OPEN_PATHS:
            return response.json({"status": "loading"}, status=503, headers=headers)
        return response.json(
            {"error": "loading", "message": "the action server is loading its models; retry shortly"},
            status=503,
            headers=headers,
        )

    return check


def require_secret(secret: str | None) -> Callable[[Request], Awaitable[HTTPResponse | None]]:
    """A request middleware: without a secret (development) every call passes."""
    expected = f"Bearer {secret}".encode() if secret else None

    async def check(request: Request) -> HTTPResponse | None:
        if expected is None or request.path in OPEN_PATHS:
            return None
        given = request.headers.get("authorization", "").encode()
        if hmac.compare_digest(given, expected):
            return None
        return response.json(
            {"error": "unauthorized", "message": "the action server answers only Rasa (Authorization: Bearer <secret>)"},
            status=401,
        )

    return check


def create_action_app(
    executor: ActionExecutor, secret: str | None, endpoints: str, warm_up: bool | Callable[[], object] = True
) -> Sanic:
    """Module-level, so Sanic's worker can rebuild the app from a pickled loader (as rasa-sdk's).
    Each worker is a spawned process whose logging starts empty: it masks personal data too.
    `warm_up`: True runs one real turn before answering; a callable runs that instead (tests)."""
    mask_root_logging()
    app = create_app_for_serve(executor, cors_origins=None, endpoints=endpoints)
    readiness = Readiness(warm_up_with(executor) if warm_up is True else warm_up or None)
    app.ctx.readiness = readiness
    app.register_middleware(require_secret(secret), "request")
    app.register_middleware(refuse_until_ready(readiness), "request")

    async def start_loading(app: Sanic) -> None:
        if not readiness.ready:
            app.add_task(readiness.load(), name="kefu-warm-up")

    app.register_listener(start_loading, "after_server_start")
    return app


def main() -> None:
    args = create_argument_parser().parse_args()
    settings = ActionSettings()
    if problems := settings.refusals():
        raise SystemExit("kefu action server refuses to start: " + "; ".join(problems))
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel, args.logging_config_file
    )
    utils.update_sanic_log_level()
    mask_root_logging()
    executor = ActionExecutor()
    executor.register_package(args.actions_module or args.actions)
    secret = settings.action_server_token.get_secret_value() if settings.action_server_token else None
    loader = AppLoader(factory=partial(create_action_app, executor, secret, args.endpoints, settings.action_warm_up))
    app = loader.load()
    app.prepare(host=settings.action_host, port=args.port, workers=utils.number_of_sanic_workers())
    Sanic.serve(primary=app, app_loader=loader)


if __name__ == "__main__":
    main()
