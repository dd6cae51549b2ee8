"""The trainer's review inbox: what the bot misunderstood, grouped; label a group as an intent
(or a new one), answer it with a knowledge entry, or dismiss it; knowledge gaps; intents."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from bot_training.nlu_files import BotProject, NluFileError, intent_counts
from handoff_service.core.deps import get_settings, require_role
from handoff_service.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    error_responses,
)
from handoff_service.core.inputs import Input
from handoff_service.core.models import Agent
from handoff_service.settings import Settings
from handoff_service.training.deps import get_inbox, get_review
from handoff_service.training.inbox import TrainerInbox, refused
from handoff_service.training.review import ReviewService

router = APIRouter(
    prefix="/api/trainer", tags=["trainer"], responses=error_responses(Unauthorized, Forbidden, NotFound, Conflict)
)

Trainer = Annotated[Agent, Depends(require_role("trainer"))]
Inbox = Annotated[TrainerInbox, Depends(get_inbox)]


class LabelBody(Input):
    kind: Literal["intent", "new_intent"]
    intent: str = Field(min_length=1, max_length=64)
    texts: list[str] | None = Field(default=None, max_length=200)


class KnowledgeBody(Input):
    category: str = Field(min_length=1, max_length=64)
    questions: dict[Literal["zh", "en"], list[str]]
    answer: dict[Literal["zh", "en"], str]


@router.get("/inbox")
async def inbox(
    trainer: Trainer,
    inbox: Inbox,
    status: Literal["open", "labelled", "dismissed"] = "open",
    lang: Literal["zh", "en", ""] = "",
) -> dict[str, Any]:
    return await inbox.inbox(status, lang or None)


@router.post("/inbox/{group_id}/label")
async def label(group_id: str, body: LabelBody, trainer: Trainer, inbox: Inbox) -> dict[str, Any]:
    return await inbox.label(group_id, body.kind, body.intent, body.texts, trainer.username)


@router.post("/inbox/{group_id}/knowledge")
async def knowledge(group_id: str, body: KnowledgeBody, trainer: Trainer, inbox: Inbox) -> dict[str, Any]:
    return await inbox.knowledge(group_id, body.category, dict(body.questions), dict(body.answer), trainer.username)


@router.post("/inbox/{group_id}/dismiss")
async def dismiss(group_id: str, trainer: Trainer, inbox: Inbox) -> dict[str, Any]:
    return await inbox.dismiss(group_id, trainer.username)


@router.get("/intents")
async def intents(trainer: Trainer, settings: Annotated[Settings, Depends(get_settings)]) -> dict[str, Any]:
    try:
        counts = await asyncio.to_thread(intent_counts, BotProject(settings.project_dir))
    except NluFileError as exc:
        raise refused(exc) from exc
    return {"intents": [{"name": name, "examples": counts[name]} for name in sorted(counts)]}


@router.get("/gaps")
async def gaps(trainer: Trainer, inbox: Inbox, days: Annotated[int, Query(ge=1, le=365)] = 30) -> dict[str, Any]:
    return await inbox.gaps(days)


@router.get("/labelled")
async def labelled(trainer: Trainer, review: Annotated[ReviewService, Depends(get_review)]) -> list[dict[str, Any]]:
    return await review.labelled()
