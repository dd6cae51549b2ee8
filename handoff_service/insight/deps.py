"""FastAPI dependencies of the insight room."""

from __future__ import annotations

from fastapi import Request

from handoff_service.insight.qa import QaDesk
from handoff_service.insight.service import InsightService


def get_insight(request: Request) -> InsightService:
    return request.app.state.insight


def get_qa(request: Request) -> QaDesk:
    return request.app.state.qa
