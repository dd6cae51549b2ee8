"""The pages people open: the demo storefront, the agent console, and the health check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse

from handoff_service.conversations import ConversationService
from handoff_service.deps import get_conversations

STATIC = Path(__file__).resolve().parent.parent / "static"

router = APIRouter(tags=["pages"])


@router.get("/", include_in_schema=False)
async def storefront() -> FileResponse:
    return FileResponse(STATIC / "storefront.html")


@router.get("/console", include_in_schema=False)
async def console() -> FileResponse:
    return FileResponse(STATIC / "console.html")


@router.get("/widget.js", include_in_schema=False)
async def widget() -> FileResponse:
    return FileResponse(STATIC / "widget.js", media_type="text/javascript")


@router.get("/healthz")
async def health(service: Annotated[ConversationService, Depends(get_conversations)]) -> dict[str, Any]:
    await service.ping()
    return {"status": "ok"}
