"""FastAPI dependencies of the agents' room: the desk and its helpers, as the app holds them."""

from __future__ import annotations

from fastapi import Request

from handoff_service.desk.customers import CustomerDirectory
from handoff_service.desk.remedies import Remedies
from handoff_service.desk.service import DeskService
from handoff_service.desk.suggestions import Suggester


def get_desk(request: Request) -> DeskService:
    return request.app.state.desk


def get_customers(request: Request) -> CustomerDirectory:
    return request.app.state.customers


def get_remedies(request: Request) -> Remedies:
    return request.app.state.remedies


def get_suggester(request: Request) -> Suggester:
    return request.app.state.suggester
