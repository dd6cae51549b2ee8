"""The trainer's retrain API: start one retrain, follow its progress, read its report, and switch
to a model that scored worse only when the trainer confirms."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from handoff_service.core.deps import require_role
from handoff_service.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    error_responses,
)
from handoff_service.core.inputs import Input
from handoff_service.core.models import Agent
from handoff_service.training.deps import get_retraining
from handoff_service.training.retraining import RetrainService

router = APIRouter(
    prefix="/api/trainer/retrain",
    tags=["trainer"],
    responses=error_responses(Unauthorized, Forbidden, NotFound, Conflict),
)

TrainerAccount = Annotated[Agent, Depends(require_role("trainer"))]


Retraining = Annotated[RetrainService, Depends(get_retraining)]


class SwitchBody(Input):
    confirm: bool = False


@router.post("", status_code=202)
async def start(trainer: TrainerAccount, service: Retraining) -> dict[str, Any]:
    return await service.start(trainer)


@router.get("")
async def latest(trainer: TrainerAccount, service: Retraining) -> dict[str, Any]:
    """The most recent retrain (running or finished), so a reloaded page picks it up again."""
    return {"latest": await service.latest()}


@router.get("/{run_id}")
async def get(run_id: str, trainer: TrainerAccount, service: Retraining) -> dict[str, Any]:
    return await service.get(run_id)


@router.post("/{run_id}/switch")
async def switch(run_id: str, body: SwitchBody, trainer: TrainerAccount, service: Retraining) -> dict[str, Any]:
    return await service.switch(run_id, body.confirm, trainer)
