"""Timers of the desk, run every few seconds (under core/background.py): first-response alerts, callbacks instead of
endless waiting, and a safety net for auto-assignment. Safe with several replicas running it."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff_service.core import lifecycle
from handoff_service.core.errors import Conflict
from handoff_service.core.hours import OpeningHours, on_shift
from handoff_service.core.hub import AGENTS, QUEUE, EventHub, conversation_channel
from handoff_service.core.lifecycle import seconds_since
from handoff_service.core.metrics import Metrics
from handoff_service.core.models import Agent, AgentShift, Conversation, utcnow
from handoff_service.core.states import State
from handoff_service.desk.assist import SeniorHelp
from handoff_service.desk.promises import Promises
from handoff_service.desk.service import DeskService
from handoff_service.settings import Settings

log = logging.getLogger(__name__)


def opening_hours(settings: Settings) -> OpeningHours:
    return OpeningHours.from_settings(
        settings.store_timezone, settings.opening_hours, settings.holidays, settings.opening_hour, settings.closing_hour
    )


def is_open(settings: Settings, now: dt.datetime) -> bool:
    """Within the store's opening hours at `now`, in the store's time zone (#19: not the UTC hour)."""
    return opening_hours(settings).is_open(now)


async def staffed(session: AsyncSession, settings: Settings, now: dt.datetime) -> bool:
    """Open, and, when shifts are planned at all, someone's shift covers this moment."""
    if not is_open(settings, now):
        return False
    shifts = (await session.execute(select(AgentShift.weekday, AgentShift.start_minute, AgentShift.end_minute))).all()
    return not shifts or on_shift(shifts, opening_hours(settings).local(now))


class Sweeper:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        hub: EventHub,
        desk: DeskService,
        metrics: Metrics,
        settings: Settings,
    ) -> None:
        self._sessions = sessions
        self._hub = hub
        self._desk = desk
        self._metrics = metrics
        self._settings = settings
        self.help: SeniorHelp | None = None  # #19: overdue senior-help requests alert from here
        self.promises: Promises | None = None  # #19: promised callbacks remind and escalate from here

    async def sweep(self) -> None:
        """One pass, run every sweep_interval_seconds under core.background (which survives its errors)."""
        try:
            await self._recount_seats()
            await self._alert_late_first_responses()
            await self._offer_callbacks()
            if self.help is not None:
                await self.help.alert_overdue()
            if self.promises is not None:
                await self.promises.sweep()
            if self._settings.auto_assign:
                await self._desk.assign_waiting()
        except Conflict as exc:  # another replica moved the chat first: the next pass sees it
            log.info("handoff.sweep.conflict", extra={"error": str(exc)})

    async def _recount_seats(self) -> None:
        """Seats are counted atomically on every claim and release; this re-derives them from the
        chats agents really hold, so a process killed at the wrong moment cannot shrink a cap for good."""
        held = (
            select(func.count(Conversation.id))
            .where(Conversation.assigned_agent_id == Agent.id, Conversation.state == State.AGENT)
            .scalar_subquery()
        )
        async with self._sessions() as session:
            drifted = await session.execute(
                update(Agent).where(Agent.active_chats != held).values(active_chats=held)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
        if drifted.rowcount:
            log.warning("handoff.seats.recounted", extra={"agents": drifted.rowcount})
            await self._desk.assign_waiting()

    async def _alert_late_first_responses(self) -> None:
        target = self._settings.first_response_target_seconds
        async with self._sessions() as session:
            late = (
                await session.scalars(
                    select(Conversation).where(
                        Conversation.state.in_([State.QUEUED, State.AGENT]),
                        Conversation.first_response_at.is_(None),
                        Conversation.sla_alerted.is_(False),
                    )
                )
            ).all()
            for conv in late:
                waited = seconds_since(conv.queued_at)
                if waited < target:
                    continue
                claimed = await session.execute(
                    update(Conversation)
                    .where(Conversation.id == conv.id, Conversation.sla_alerted.is_(False))
                    .values(sla_alerted=True)
                    .execution_options(synchronize_session=False)
                )
                await session.commit()
                if claimed.rowcount != 1:
                    continue  # another replica alerted
                self._metrics.sla_breaches.inc()
                self._hub.signal(
                    AGENTS,
                    {"type": "sla_alert", "conversation_id": conv.id, "waited_seconds": round(waited), "state": conv.state},
                )

    async def _offer_callbacks(self) -> None:
        """A chat nobody took in time, or any chat outside opening hours, becomes a callback."""
        now = utcnow()
        limit = self._settings.callback_after_seconds
        async with self._sessions() as session:
            queued = (await session.scalars(select(Conversation).where(Conversation.state == State.QUEUED))).all()
            open_now = bool(queued) and await staffed(session, self._settings, now)
            for conv in queued:
                if open_now and seconds_since(conv.queued_at) < limit:
                    continue
                due = now + dt.timedelta(hours=self._settings.callback_promise_hours)
                try:
                    await lifecycle.offer_callback(session, conv, due, self._settings.callback_promise_hours)
                except Conflict:
                    continue
                await session.commit()
                self._hub.publish(conversation_channel(conv.id), AGENTS, QUEUE)
