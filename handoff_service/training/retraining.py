"""Retrain jobs started from the trainer's page: one at a time, in a worker thread, kept in the
database (`retrain_runs`) so the report survives a restart.

A job trains and scores with `bot_training.retrain`, then switches the running Rasa server to the new
model (`PUT /model`) unless the report says it got worse; then it waits for a trainer to confirm.
Every failure ends the job as `failed` with a message a trainer can act on.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot_training.retrain import Progress, RetrainFailed, retrain
from bot_training.retrain_report import RetrainReport
from handoff_service.core.errors import Conflict, NotFound, RasaUnavailable
from handoff_service.core.models import Agent, RetrainRun, iso_utc, utcnow
from handoff_service.core.rasa_client import RasaClient
from handoff_service.settings import Settings
from kb_index.settings import KbSettings

log = logging.getLogger(__name__)

RUNNING = ("training", "evaluating", "ready")
# The newest labelled inbox messages a report checks (scoring takes a few ms a message, twice).
INBOX_LIMIT = 500
SWITCHABLE = ("needs_confirmation", "failed")

# An English line per progress step for API readers; the page words them in the trainer's language.
MESSAGES = {
    "started": "retrain started",
    "knowledge": "knowledge base indexed: {added} added, {changed} changed, {removed} removed",
    "training": "training the new model ({held_out} held-out files, {inbox} labelled inbox messages)",
    "trained": "new model trained in {seconds} s",
    "up_to_date": "the data did not change since {model} was trained",
    "evaluating": "scoring the running and the new model",
    "evaluated": "report ready",
    "switching": "switching the bot to {model}",
    "switched": "the bot now runs {model}",
    "needs_confirmation": "the new model scored worse: it goes live only if a trainer confirms",
    "failed": "failed: {error}",
}


class RetrainFunction(Protocol):
    def __call__(
        self,
        project_root: Path,
        rasa_venv: Path,
        models_dir: Path,
        current_model: Path,
        inbox: list[tuple[str, str]],
        progress: Progress,
        *,
        kb: KbSettings | None = None,
        log_file: Path | None = None,
    ) -> RetrainReport: ...


def step(name: str, detail: dict[str, Any]) -> dict[str, Any]:
    try:
        message = MESSAGES.get(name, name).format(**detail)
    except (KeyError, IndexError, ValueError):
        message = MESSAGES.get(name, name)
    return {"step": name, "detail": detail, "message": message, "at": iso_utc(utcnow())}


def run_public(run: RetrainRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "status": run.status,
        "progress": run.progress or [],
        "report": run.report,
        "error": run.error,
        "model_before": run.model_before,
        "model_after": run.model_after,
        "started_at": iso_utc(run.started_at),
        "finished_at": iso_utc(run.finished_at),
        "switched_at": iso_utc(run.switched_at),
    }


class RetrainService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        rasa: RasaClient,
        settings: Settings,
        kb: KbSettings,
        labelled: Callable[[], Awaitable[list[dict[str, Any]]]],
        run: RetrainFunction = retrain,
    ) -> None:
        """`labelled` lists the inbox messages trainers labelled, oldest first ({"text", "intent"}:
        ReviewService.labelled); `run` is bot_training.retrain.retrain."""
        self._sessions = sessions
        self._rasa = rasa
        self._settings = settings
        self._kb = kb
        self._labelled = labelled
        self._run = run
        self._start_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    async def recover(self) -> None:
        """A job that was running when the service stopped will never finish: say so."""
        async with self._sessions() as session:
            await session.execute(
                update(RetrainRun)
                .where(RetrainRun.status.in_(RUNNING))
                .values(status="failed", error="the handoff service restarted during this retrain", finished_at=utcnow())
            )
            await session.commit()

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def start(self, agent: Agent) -> dict[str, Any]:
        async with self._start_lock, self._sessions() as session:
            running = await session.scalar(select(RetrainRun).where(RetrainRun.status.in_(RUNNING)).limit(1))
            if running is not None:
                raise Conflict(f"a retrain is already running (started {iso_utc(running.started_at)}); wait for its report")
            run = RetrainRun(
                id=uuid.uuid4().hex, status="training", started_by=agent.id, progress=[step("started", {})]
            )
            session.add(run)
            await session.commit()
        task = asyncio.get_running_loop().create_task(self._execute(run.id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return run_public(run)

    async def get(self, run_id: str) -> dict[str, Any]:
        async with self._sessions() as session:
            run = await session.get(RetrainRun, run_id)
            if run is None:
                raise NotFound(f"no retrain {run_id!r}")
            return run_public(run)

    async def latest(self) -> dict[str, Any] | None:
        async with self._sessions() as session:
            run = await session.scalar(select(RetrainRun).order_by(RetrainRun.started_at.desc()).limit(1))
            return run_public(run) if run else None

    async def switch(self, run_id: str, confirm: bool, agent: Agent) -> dict[str, Any]:
        """Switch to a job's model that did not go live on its own (worse, or Rasa failed then)."""
        async with self._sessions() as session:
            run = await session.get(RetrainRun, run_id)
            if run is None:
                raise NotFound(f"no retrain {run_id!r}")
            if run.status == "switched":
                return run_public(run)
            if run.status not in SWITCHABLE or not run.model_after or not run.report:
                raise Conflict(f"this retrain is {run.status}: there is no finished model to switch to")
            if run.report.get("worse") and not confirm:
                raise Conflict(
                    "the new model scored worse than the running one on the held-out examples; "
                    "switch only if you are sure (send confirm: true)"
                )
        await self._switch(run_id, Path(run.model_after), agent.id)
        return await self.get(run_id)

    # --- the job -------------------------------------------------------------------------------

    async def _save(self, run_id: str, progress: dict[str, Any] | None = None, **values: Any) -> None:
        async with self._sessions() as session:
            run = await session.get(RetrainRun, run_id)
            if run is None:
                return
            if progress:
                run.progress = [*(run.progress or []), progress]
            for name, value in values.items():
                setattr(run, name, value)
            await session.commit()

    async def _execute(self, run_id: str) -> None:
        loop = asyncio.get_running_loop()

        def progress(name: str, detail: dict[str, Any]) -> None:
            values = {"status": "evaluating"} if name in ("trained", "up_to_date") else {}
            asyncio.run_coroutine_threadsafe(self._save(run_id, step(name, detail), **values), loop).result()

        settings = self._settings
        try:
            current = await self._current_model()
            await self._save(run_id, model_before=str(current))
            inbox = [(row["text"], row["intent"]) for row in await self._labelled() if row.get("intent")]
            inbox = inbox[-INBOX_LIMIT:]
            report = await asyncio.to_thread(
                self._run,
                settings.project_dir,
                settings.rasa_venv,
                settings.models_dir,
                current,
                inbox,
                progress,
                kb=self._kb,
                log_file=settings.models_dir.parent / "logs" / "retrain.log",
            )
        except (RetrainFailed, RasaUnavailable) as exc:
            await self._fail(run_id, str(exc))
            return
        except Exception as exc:  # a job must end, never stay "training": the log has the traceback
            log.exception("trainer.retrain.crashed", extra={"run": run_id})
            await self._fail(run_id, f"unexpected error: {exc!r}")
            return
        candidate = settings.models_dir / report.model_after
        document = report.as_json()
        if report.worse:
            await self._save(
                run_id, step("needs_confirmation", {}), status="needs_confirmation", report=document,
                model_after=str(candidate), finished_at=utcnow(),
            )  # fmt: skip
            return
        await self._save(run_id, status="ready", report=document, model_after=str(candidate), finished_at=utcnow())
        await self._switch(run_id, candidate, None)

    async def _switch(self, run_id: str, model: Path, agent_id: int | None) -> None:
        await self._save(run_id, step("switching", {"model": model.name}))
        try:
            await self._rasa.load_model(str(model.absolute()))
        except RasaUnavailable as exc:
            await self._fail(run_id, f"the new model is ready but Rasa did not load it: {exc}")
            return
        await self._save(
            run_id, step("switched", {"model": model.name}), status="switched", switched_at=utcnow(),
            switched_by=agent_id,
        )  # fmt: skip
        log.info("trainer.retrain.switched", extra={"run": run_id, "model": model.name})

    async def _fail(self, run_id: str, error: str) -> None:
        log.warning("trainer.retrain.failed", extra={"run": run_id, "error": error})
        await self._save(run_id, step("failed", {"error": error}), status="failed", error=error, finished_at=utcnow())

    async def _current_model(self) -> Path:
        """The model file the Rasa server runs, found in models_dir (Rasa may report a bare name)."""
        status = await self._rasa.status()
        name = status.get("model_file")
        if not name:
            raise RetrainFailed("Rasa runs no model: start it with one (`kefu demo` does)")
        path = Path(str(name))
        if path.is_absolute() and path.exists():
            return path
        local = self._settings.models_dir / path.name
        if local.exists():
            return local
        raise RetrainFailed(f"Rasa runs {name}, which is not in {self._settings.models_dir}: nothing to compare with")
