"""create_app(settings): the handoff service; database, hub, Rasa client and timers open in the lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.routing import Match

from handoff_service import pages
from handoff_service.chat import escalation_routes
from handoff_service.chat import routes as shopper_routes
from handoff_service.chat.conversations import ConversationService
from handoff_service.chat.relayer import Relayer
from handoff_service.chat.requests import ChatRequests
from handoff_service.core.access_log import hide_url_secrets
from handoff_service.core.agents import AgentDirectory
from handoff_service.core.background import Background
from handoff_service.core.db import make_engine, make_sessionmaker, migrate
from handoff_service.core.errors import KefuError
from handoff_service.core.hub import make_hub
from handoff_service.core.inputs import CONTROL_CHARACTER, document_plain_text
from handoff_service.core.limits import RateLimits
from handoff_service.core.metrics import Metrics
from handoff_service.core.rasa_client import RasaClient
from handoff_service.core.request_guard import RequestGuard
from handoff_service.core.security_headers import SecurityHeaders
from handoff_service.desk import agent_routes, console_routes
from handoff_service.desk.customers import CustomerDirectory
from handoff_service.desk.remedies import Remedies
from handoff_service.desk.service import DeskService
from handoff_service.desk.suggestions import Suggester
from handoff_service.desk.sweeper import Sweeper
from handoff_service.pages import STATIC
from handoff_service.settings import Settings, UnsafeSettings
from handoff_service.training import inbox_routes, retrain_routes
from handoff_service.training.inbox import TrainerInbox
from handoff_service.training.retraining import RetrainService
from handoff_service.training.review import ReviewService
from kb_index.settings import KbSettings
from store import open_store

log = logging.getLogger(__name__)
HTTP_ERROR_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}

SWEEPER, RELAY_WORKER = "sweeper", "relay_worker"  # their names in /healthz


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of this path answers, for a 405's `Allow`."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches({**request.scope, "method": ""})
        if match is not Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)


def create_app(
    settings: Settings | None = None,
    rasa_transport: httpx.AsyncBaseTransport | None = None,
    kb_settings: KbSettings | None = None,
) -> FastAPI:
    """`rasa_transport` lets unit tests put a fake Rasa at the HTTP seam. Settings that are unsafe
    to serve with (settings.refusals()) raise UnsafeSettings before anything starts."""
    settings = settings or Settings()
    if problems := settings.refusals():
        raise UnsafeSettings("; ".join(problems))
    kb_settings = kb_settings or KbSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        show_url_secrets = hide_url_secrets()
        engine = make_engine(settings.database_url)
        await migrate(engine)
        sessions = make_sessionmaker(engine)
        http = httpx.AsyncClient(timeout=settings.rasa_timeout_seconds, transport=rasa_transport)
        metrics = Metrics()
        background = Background(metrics)
        hub = make_hub(settings.redis_url)
        await hub.start(background)
        rasa = RasaClient(
            settings.rasa_urls, http, settings.rasa_token.get_secret_value() if settings.rasa_token else None
        )
        review = ReviewService(sessions, settings.review_confidence_below)
        requests = ChatRequests(sessions, hub, metrics, settings.default_handle_seconds, settings.store_timezone)
        relayer = Relayer(engine, hub, rasa, metrics, requests.fall_back, review, settings.relay_lease_seconds)
        conversations = ConversationService(engine, hub, metrics, relayer)
        desk = DeskService(sessions, hub, rasa, metrics)
        if settings.auto_assign:
            requests.after_queue_change = desk.assign_waiting
        app.state.settings = settings
        app.state.hub = hub
        app.state.background = background
        app.state.metrics = metrics
        app.state.conversations = conversations
        app.state.requests = requests
        app.state.review = review
        app.state.inbox = TrainerInbox(review, settings.project_dir, settings.review_group_similarity, kb_settings.model)
        app.state.desk = desk
        app.state.agents = AgentDirectory(sessions, settings.agent_session_hours)
        app.state.limits = RateLimits(settings)
        token = settings.store_token.get_secret_value() if settings.store_token else None
        store = open_store(settings.store_path, settings.store_url, token)
        app.state.customers = CustomerDirectory(sessions, store)
        app.state.remedies = Remedies(sessions, hub, store, settings)
        app.state.suggester = Suggester(kb_settings, settings.canned_replies_path)
        if settings.wants_demo_accounts and settings.demo_agent_username:
            await app.state.agents.ensure_demo_agent(
                settings.demo_agent_username,
                settings.demo_agent_password.get_secret_value(),
                settings.demo_agent_name,
            )
        if settings.wants_demo_accounts and settings.demo_trainer_username and settings.demo_agent_username:
            await app.state.agents.ensure_demo_agent(
                settings.demo_trainer_username,
                settings.demo_agent_password.get_secret_value(),
                settings.demo_trainer_name,
                role="trainer",
                beside=settings.demo_agent_username,
            )
        app.state.retraining = RetrainService(sessions, rasa, settings, kb_settings, review.labelled)
        await app.state.retraining.recover()
        # The first pass of the relay worker, at once, takes what a stopped replica left due.
        background.every(RELAY_WORKER, settings.relay_poll_seconds, conversations.relayer.work)
        background.every(SWEEPER, settings.sweep_interval_seconds, Sweeper(sessions, hub, desk, metrics, settings).sweep)
        try:
            yield
        finally:
            await background.stop(SWEEPER, RELAY_WORKER)
            await app.state.retraining.aclose()
            await conversations.aclose(settings.shutdown_grace_seconds)
            store.close()
            await hub.aclose()
            await http.aclose()
            await app.state.limits.aclose()
            await engine.dispose()
            show_url_secrets()

    app = FastAPI(title="kefu handoff service", version="0.1.0", lifespan=lifespan)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, allowed_origins=settings.allowed_origin_list)

    @app.exception_handler(KefuError)
    async def _kefu_error(request: Request, exc: KefuError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
        """Starlette's own refusals (no such route, wrong method, unreadable body) in the same body."""
        code = HTTP_ERROR_CODES.get(exc.status_code, "error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # Starlette names only the first route of the path; all of them
            headers["Allow"] = ", ".join(allowed_methods(request))
        return JSONResponse({"error": code, "message": str(exc.detail)}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
        message = f"{where}: {first.get('msg', 'invalid request')}" if where else first.get("msg", "invalid request")
        if first.get("type") == CONTROL_CHARACTER:
            return JSONResponse({"error": "bad_request", "message": first["msg"]}, status_code=400)
        return JSONResponse({"error": "invalid", "message": message}, status_code=422)

    app.include_router(shopper_routes.router)
    app.include_router(escalation_routes.router)
    app.include_router(agent_routes.router)
    app.include_router(agent_routes.socket_router)
    app.include_router(console_routes.router)
    app.include_router(inbox_routes.router)
    app.include_router(retrain_routes.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    def openapi() -> dict[str, Any]:
        return document_plain_text(FastAPI.openapi(app))

    app.openapi = openapi  # type: ignore[method-assign]
    return app
