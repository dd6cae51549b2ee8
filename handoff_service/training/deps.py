"""FastAPI dependencies of the trainers' room: the review inbox and retraining, as the app holds them."""

from __future__ import annotations

from fastapi import Request

from handoff_service.training.inbox import TrainerInbox
from handoff_service.training.retraining import RetrainService
from handoff_service.training.review import ReviewService


def get_review(request: Request) -> ReviewService:
    return request.app.state.review


def get_inbox(request: Request) -> TrainerInbox:
    return request.app.state.inbox


def get_retraining(request: Request) -> RetrainService:
    return request.app.state.retraining
