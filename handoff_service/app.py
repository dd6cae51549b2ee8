"""create_app(settings): the handoff service; database, hub, Rasa client and timers open in the lifespan."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from handoff_service import pages
from handoff_service.chat import alert_inbox, escalation_routes
from handoff_service.chat import routes as shopper_routes
from handoff_service.chat.conversations import ConversationService
from handoff_service.chat.relayer import Relayer
from handoff_service.chat.requests import ChatRequests
from handoff_service.core.access_log import hide_url_secrets
from handoff_service.core.agents import AgentDirectory
from handoff_service.core.attachments import Attachments
from handoff_service.core.background import Background
from handoff_service.core.db import make_engine, make_sessionmaker, migrate
from handoff_service.core.errors import (
    KefuError,
    ServiceUnavailable,
    database_unreachable,
)
from handoff_service.core.hours import HoursError, OpeningHours
from handoff_service.core.hub import make_hub
from handoff_service.core.inputs import CONTROL_CHARACTER, document_plain_text
from handoff_service.core.limits import RateLimits
from handoff_service.core.metrics import Metrics
from handoff_service.core.rasa_client import RasaClient
from handoff_service.core.request_guard import RequestGuard
from handoff_service.core.security_headers import SecurityHeaders
from handoff_service.core.storage import (
    AttachmentStorage,
    LocalFolderStorage,
    S3Storage,
)
from handoff_service.desk import agent_routes, console_routes, tools_routes
from handoff_service.desk.assist import SeniorHelp
from handoff_service.desk.customers import CustomerDirectory
from handoff_service.desk.promises import Promises
from handoff_service.desk.remedies import Remedies
from handoff_service.desk.replies import ReplyLibrary
from handoff_service.desk.service import DeskService
from handoff_service.desk.suggestions import Suggester
from handoff_service.desk.sweeper import Sweeper
from handoff_service.insight import routes as insight_routes
from handoff_service.insight.mailing import parse_recipients, weekly_mailer
from handoff_service.insight.qa import QaDesk
from handoff_service.insight.service import InsightService, store_orders
from handoff_service.insight.voice import weekly
from handoff_service.pages import STATIC
from handoff_service.proactive import routes as proactive_routes
from handoff_service.proactive.choices import AlertChoices
from handoff_service.proactive.service import ProactiveService
from handoff_service.settings import Settings, UnsafeSettings
from handoff_service.training import inbox_routes, knowledge_routes, retrain_routes
from handoff_service.training.inbox import TrainerInbox
from handoff_service.training.knowledge import KnowledgeCatalogue
from handoff_service.training.knowledge_images import KnowledgeImages
from handoff_service.training.knowledge_learning import (
    KnowledgeLearning,
    KnowledgeUsage,
)
from handoff_service.training.retraining import RetrainService
from handoff_service.training.review import ReviewService
from kb_index.encoder import shared_encoder
from kb_index.settings import KbSettings
from store import open_store

log = logging.getLogger(__name__)
HTTP_ERROR_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}

SWEEPER, RELAY_WORKER, RELAY_RETENTION = "sweeper", "relay_worker", "relay_retention"  # their names in /healthz
PROACTIVE_SCAN = "proactive_scan"
WEEKLY_REPORT = "weekly_report"  # #17


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of this path answers, for a 405's `Allow`."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches({**request.scope, "method": ""})
        if match is not Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)


def asyncpg_errors() -> tuple[type[Exception], ...]:
    """asyncpg's base exceptions, which can surface unwrapped while a connection is being made."""
    try:
        import asyncpg
    except ImportError:  # a SQLite-only install
        return ()
    return (asyncpg.PostgresError, asyncpg.InterfaceError)


def attachment_storage(settings: Settings) -> AttachmentStorage:
    """#19: S3-compatible object storage when a bucket is set, else the local folder."""
    if settings.attachment_s3_bucket:
        return S3Storage(
            settings.attachment_s3_bucket,
            settings.attachment_s3_endpoint_url,
            settings.attachment_s3_region,
            settings.attachment_s3_access_key.get_secret_value() if settings.attachment_s3_access_key else None,
            settings.attachment_s3_secret_key.get_secret_value() if settings.attachment_s3_secret_key else None,
        )
    return LocalFolderStorage(settings.attachment_dir)


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
    try:  # #19: hours the sweeper could not read would fail every pass; say so at the start instead
        OpeningHours.from_settings(
            settings.store_timezone, settings.opening_hours, settings.holidays, settings.opening_hour, settings.closing_hour
        )
    except HoursError as exc:
        raise UnsafeSettings(f"KEFU_STORE_TIMEZONE / KEFU_OPENING_HOURS / KEFU_HOLIDAYS: {exc}") from exc
    try:  # #17: a weekly report nobody could send would fail every week; say so at the start instead
        if parse_recipients(settings.report_weekly_to) and not settings.smtp_host:
            raise ValueError("needs KEFU_SMTP_HOST")
    except ValueError as exc:
        raise UnsafeSettings(f"KEFU_REPORT_WEEKLY_TO: {exc}") from exc
    kb_settings = kb_settings or KbSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        show_url_secrets = hide_url_secrets()
        engine = make_engine(settings.database_url, settings.database_pool_size, settings.database_max_overflow)
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
        usage = KnowledgeUsage(sessions)  # issue #20: which entry answered which turn
        review = ReviewService(sessions, settings.review_confidence_below, usage=usage.record)
        requests = ChatRequests(sessions, hub, metrics, settings.default_handle_seconds, settings.store_timezone)
        token = settings.store_token.get_secret_value() if settings.store_token else None
        store = open_store(settings.store_path, settings.store_url, token)
        relayer = Relayer(engine, hub, rasa, metrics, requests.fall_back, review, settings.relay_lease_seconds)
        conversations = ConversationService(
            engine, hub, metrics, relayer, choices=AlertChoices(sessions, hub, store, settings)
        )
        desk = DeskService(sessions, hub, rasa, metrics)
        requests.csat_every_hours, requests.nps_every_days = settings.csat_every_hours, settings.nps_every_days
        desk.csat_every_hours = settings.csat_every_hours
        desk.skill_fallback_seconds = settings.skill_fallback_seconds  # #19
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
        app.state.customers = CustomerDirectory(sessions, store)
        app.state.remedies = Remedies(sessions, hub, store, settings)
        app.state.suggester = Suggester(kb_settings, settings.canned_replies_path)
        app.state.insight = InsightService(
            engine, store_orders(store), settings.store_timezone, (settings.opening_hour, settings.closing_hour)
        )
        app.state.qa = QaDesk(sessions)
        # #19: photos, senior help, shifts
        app.state.sessions = sessions
        app.state.attachments = Attachments(
            sessions, attachment_storage(settings), settings.attachment_max_bytes,
            settings.attachment_max_pixels, settings.attachment_max_side,
        )  # fmt: skip
        app.state.senior_help = SeniorHelp(sessions, hub, settings.help_target_seconds)
        app.state.promises = Promises(sessions, hub, settings.store_timezone, settings.promise_remind_minutes)
        app.state.replies = ReplyLibrary(sessions)
        await app.state.replies.ensure_seeded()
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
        app.state.knowledge = KnowledgeCatalogue(sessions, kb_settings, lambda: shared_encoder(kb_settings.model))
        app.state.knowledge_learning = KnowledgeLearning(sessions, review, app.state.knowledge)
        app.state.knowledge_images = KnowledgeImages(  # #20: entries' pictures, in the photos' storage
            app.state.attachments.storage, settings.attachment_max_bytes,
            settings.attachment_max_pixels, settings.attachment_max_side,
        )  # fmt: skip
        app.state.retraining = RetrainService(sessions, rasa, settings, kb_settings, review.labelled)
        await app.state.retraining.recover()
        # The first pass of the relay worker, at once, takes what a stopped replica left due.
        background.every(RELAY_WORKER, settings.relay_poll_seconds, conversations.relayer.work)
        sweeper = Sweeper(sessions, hub, desk, metrics, settings)
        sweeper.help = app.state.senior_help
        sweeper.promises = app.state.promises
        background.every(SWEEPER, settings.sweep_interval_seconds, sweeper.sweep)
        keep = dt.timedelta(hours=settings.relay_keep_hours)

        async def forget_delivered_relays() -> None:
            await conversations.relayer.forget_delivered(keep)

        background.every(RELAY_RETENTION, settings.relay_purge_interval_seconds, forget_delivered_relays, max_backoff=300)
        app.state.proactive = ProactiveService(sessions, hub, store, settings)
        app.state.alert_inbox = alert_inbox.AlertInbox(sessions)
        if settings.runs_proactive_scan:

            first = [True]

            async def proactive_scan(beat: Callable[[], None]) -> None:
                if first[0]:  # a start-up has enough to do: the first pass comes a few seconds in
                    first[0] = False
                    await asyncio.sleep(min(settings.proactive_scan_seconds, 5.0))
                while True:
                    await app.state.proactive.scan()
                    beat()
                    await asyncio.sleep(settings.proactive_scan_seconds)

            background.forever(PROACTIVE_SCAN, settings.proactive_scan_seconds, proactive_scan, max_backoff=300)
            # Up counts as healthy until the first pass (which may take a while against a slow store);
            # after a failure only a pass that works says so again.
            background.beat(PROACTIVE_SCAN)
        # #17: last week's report by e-mail, once per week whichever replica gets there first
        app.state.weekly_mailer = weekly_mailer(settings, engine, lambda period: weekly(
            app.state.insight, engine, period, store, lambda texts: shared_encoder(kb_settings.model).encode(texts)
        ))  # fmt: skip
        if app.state.weekly_mailer:

            async def send_weekly_report() -> None:
                await app.state.weekly_mailer.run_once()

            background.every(WEEKLY_REPORT, settings.report_check_seconds, send_weekly_report, max_backoff=3600)
        try:
            yield
        finally:
            await background.stop(PROACTIVE_SCAN, SWEEPER, RELAY_WORKER, RELAY_RETENTION, WEEKLY_REPORT)
            await app.state.retraining.aclose()
            await conversations.aclose(settings.shutdown_grace_seconds)
            store.close()
            await hub.aclose()
            await http.aclose()
            await app.state.limits.aclose()
            await engine.dispose()
            show_url_secrets()

    app = FastAPI(title="kefu handoff service", version="0.1.0", lifespan=lifespan)
    app.add_middleware(
        RequestGuard, max_body_bytes=settings.max_body_bytes, upload_max_bytes=settings.attachment_max_bytes
    )
    app.add_middleware(SecurityHeaders, allowed_origins=settings.allowed_origin_list)

    @app.exception_handler(KefuError)
    async def _kefu_error(request: Request, exc: KefuError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)

    async def _database_unreachable(request: Request, exc: Exception) -> JSONResponse:
        """A lost database (a PostgreSQL restart, a failover, an exhausted pool) is a 503 the widget
        and console retry, not a 500: whatever the route, nothing was stored (issue #15)."""
        if not database_unreachable(exc):
            raise exc
        log.warning("handoff.database.unreachable", extra={"path": request.url.path, "error": repr(exc)[:300]})
        error = ServiceUnavailable(settings.database_retry_after_seconds)
        return JSONResponse(error.body(), status_code=error.status_code, headers=error.headers)

    for kind in (SQLAlchemyError, ConnectionError, *asyncpg_errors()):
        app.add_exception_handler(kind, _database_unreachable)

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
    app.include_router(alert_inbox.router)
    app.include_router(proactive_routes.router)
    app.include_router(agent_routes.router)
    app.include_router(agent_routes.socket_router)
    app.include_router(console_routes.router)
    app.include_router(tools_routes.router)  # #19
    app.include_router(inbox_routes.router)
    app.include_router(retrain_routes.router)
    app.include_router(knowledge_routes.router)
    app.include_router(knowledge_routes.images_router)  # #20: entries' pictures, public
    app.include_router(insight_routes.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    def openapi() -> dict[str, Any]:
        return document_plain_text(FastAPI.openapi(app))

    app.openapi = openapi  # type: ignore[method-assign]
    return app
