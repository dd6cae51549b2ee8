"""The pages people open: the demo storefront, the agent console, the trainer's page, and the health check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from handoff_service.chat.conversations import ConversationService
from handoff_service.chat.deps import get_conversations
from handoff_service.core.errors import error_responses
from handoff_service.desk.deps import get_desk
from handoff_service.desk.service import DeskService

STATIC = Path(__file__).resolve().parent / "static"

router = APIRouter(tags=["pages"], responses=error_responses())


@router.get("/", include_in_schema=False)
async def storefront() -> FileResponse:
    return FileResponse(STATIC / "storefront.html")


@router.get("/console", include_in_schema=False)
async def console() -> FileResponse:
    return FileResponse(STATIC / "console.html")


@router.get("/trainer", include_in_schema=False)
async def trainer() -> FileResponse:
    return FileResponse(STATIC / "trainer.html")


@router.get("/widget.js", include_in_schema=False)
async def widget() -> FileResponse:
    return FileResponse(STATIC / "widget.js", media_type="text/javascript")


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, desk: Annotated[DeskService, Depends(get_desk)]) -> Response:
    app_metrics = request.app.state.metrics
    app_metrics.queue_length.set(sum(1 for item in await desk.queue() if item["state"] == "queued"))
    return Response(generate_latest(app_metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/healthz")
async def health(service: Annotated[ConversationService, Depends(get_conversations)]) -> dict[str, Any]:
    await service.ping()
    return {"status": "ok"}
