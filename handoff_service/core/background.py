"""Background loops that cannot die quietly: each runs under a supervisor that logs what went
wrong, backs off and keeps going, and says when it last worked (/healthz, a Prometheus gauge).

Why: one unexpected exception (an OperationalError from a locked SQLite file or a restarting
PostgreSQL) used to end the desk's timers until the process restarted, and nobody could tell."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handoff_service.core.metrics import Metrics
from handoff_service.core.models import iso_utc

log = logging.getLogger(__name__)


@dataclass
class LoopHealth:
    """What /healthz says of one loop."""

    name: str
    interval: float
    max_backoff: float
    last_success: float | None = None  # time.time() of the last run that finished without error
    failures: int = 0  # in a row; 0 once a run succeeds again
    last_error: str | None = None

    def public(self) -> dict[str, object]:
        ago = None if self.last_success is None else round(time.time() - self.last_success, 3)
        stale = self.last_success is None or ago is not None and ago > max(3 * self.interval, 30.0)
        return {
            "last_success": None if self.last_success is None else iso_utc(dt.datetime.fromtimestamp(self.last_success, dt.UTC)),
            "seconds_since_success": ago,
            "failures_in_a_row": self.failures,
            "last_error": self.last_error,
            "ok": self.failures == 0 and not stale,
        }


class Background:
    """Runs named loops as tasks and supervises them.

    A periodic loop (`every`) calls its body every `interval` seconds; a long-running one
    (`forever`) runs a body that calls `beat()` whenever it has shown it works (a Redis listener
    after each poll). Either way an exception is logged and the body runs again after a backoff
    that doubles from `interval` up to `max_backoff`."""

    def __init__(self, metrics: Metrics | None = None) -> None:
        """`metrics`: where the loops' gauges go (None for a command that runs no server)."""
        self._metrics = metrics
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.health: dict[str, LoopHealth] = {}

    def every(self, name: str, interval: float, body: Callable[[], Awaitable[None]], max_backoff: float = 30.0) -> None:
        async def periodic(beat: Callable[[], None]) -> None:
            while True:
                await body()
                beat()
                await asyncio.sleep(interval)

        self.forever(name, interval, periodic, max_backoff)

    def forever(
        self, name: str, interval: float, body: Callable[[Callable[[], None]], Awaitable[None]], max_backoff: float = 30.0
    ) -> None:
        health = self.health[name] = LoopHealth(name, interval, max_backoff)
        self._tasks[name] = asyncio.get_running_loop().create_task(self._supervise(health, body), name=f"kefu-{name}")

    def beat(self, name: str) -> None:
        """The loop `name` just showed it works."""
        health = self.health[name]
        health.last_success = time.time()
        health.failures = 0
        health.last_error = None
        if self._metrics:
            self._metrics.loop_last_success.labels(name).set(health.last_success)

    async def _supervise(self, health: LoopHealth, body: Callable[[Callable[[], None]], Awaitable[None]]) -> None:
        def beat() -> None:
            self.beat(health.name)

        while True:
            try:
                await body(beat)
                return  # a body that returns has finished its work
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                health.failures += 1
                health.last_error = repr(exc)[:500]
                if self._metrics:
                    self._metrics.loop_failures.labels(health.name).inc()
                backoff = min(health.interval * 2 ** (health.failures - 1), health.max_backoff)
                log.exception("background.loop.failed", extra={"loop": health.name, "failures": health.failures, "retry_in": backoff})
                await asyncio.sleep(backoff)

    def public(self) -> dict[str, dict[str, object]]:
        return {name: health.public() for name, health in self.health.items()}

    async def stop(self, *names: str) -> None:
        """Stop these loops (all when none is named) and wait until they have."""
        chosen = [self._tasks.pop(name) for name in (names or list(self._tasks)) if name in self._tasks]
        for task in chosen:
            task.cancel()
        for task in chosen:
            with contextlib.suppress(asyncio.CancelledError):
                await task
