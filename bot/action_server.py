"""The action server: rasa-sdk's own, answering only calls that carry its secret.

`python -m bot.action_server --actions bot.actions --port 5055` takes rasa-sdk's arguments.
Why not `python -m rasa_sdk` alone: anyone who reaches it could run `action_escalate` and have
it sign a hand-over with the handoff secret, or read any customer's orders. Rasa sends the secret
with every call (the `headers` of `action_endpoint` in bot/endpoints.yml); other calls get 401.
`/health` stays open: it says nothing but "ok". Built with rasa-sdk's own app factory and Sanic's
documented middleware, started the way `rasa_sdk.endpoint.run` starts it.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from functools import partial

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


def create_action_app(executor: ActionExecutor, secret: str | None, endpoints: str) -> Sanic:
    """Module-level, so Sanic's worker can rebuild the app from a pickled loader (as rasa-sdk's).
    Each worker is a spawned process whose logging starts empty: it masks personal data too."""
    mask_root_logging()
    app = create_app_for_serve(executor, cors_origins=None, endpoints=endpoints)
    app.register_middleware(require_secret(secret), "request")
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
    loader = AppLoader(factory=partial(create_action_app, executor, secret, args.endpoints))
    app = loader.load()
    app.prepare(host=settings.action_host, port=args.port, workers=utils.number_of_sanic_workers())
    Sanic.serve(primary=app, app_loader=loader)


if __name__ == "__main__":
    main()
