"""Retrain jobs over the real HTTP API: one at a time, progress, a report, switched automatically
unless the new model is worse, and kept across a restart. Rasa is faked at its two seams: its HTTP
API (status, load a model) and its environment's executables (tests/unit/fake_rasa_env.py)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from handoff_service.app import create_app
from handoff_service.core.db import make_engine, make_sessionmaker, migrate
from handoff_service.core.models import RetrainRun
from handoff_service.settings import Settings
from kb_index.settings import KbSettings
from tests.conftest import ServerThread
from tests.handoff_helpers import SECRET, add_agent, login
from tests.unit.fake_rasa_env import fake_model, fake_rasa_venv, small_project

TRAINING = {"ask_invoice": ["能开发票吗", "要发票"], "greet": ["你好", "在吗"]}
HELD_OUT = {"ask_invoice": ["发票怎么开"], "greet": ["哈喽"]}


@dataclass
class FakeRasaApi:
    """Rasa's HTTP API as the retrain jobs use it: which model runs, load another."""

    model_file: str
    loaded: list[str] = field(default_factory=list)
    refuse: bool = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/status":
            return httpx.Response(200, json={"model_file": self.model_file, "model_id": "x", "num_active_training_jobs": 0})
        if request.url.path == "/model" and request.method == "PUT":
            if self.refuse:
                return httpx.Response(400, json={"message": "could not load model"})
            self.model_file = json.loads(request.content)["model_file"]
            self.loaded.append(self.model_file)
            return httpx.Response(204)
        return httpx.Response(404)


@dataclass
class Trainer:
    url: str
    auth: dict[str, str]
    rasa: FakeRasaApi
    project: Path
    models: Path


def running(tmp: Path, rasa: FakeRasaApi, project: Path, rasa_venv: Path, database: str) -> ServerThread:
    settings = Settings(
        environment="development", database_url=database, handoff_secret=SECRET, demo_agent_username=None,
        demo_trainer_username=None,
        store_path=tmp / "store.db", project_dir=project, rasa_venv=rasa_venv, models_dir=tmp / "models",
    )  # fmt: skip
    kb = KbSettings(knowledge_dir=project / "knowledge", index_dir=tmp / "kb")
    return ServerThread(create_app(settings, rasa_transport=httpx.MockTransport(rasa.handler), kb_settings=kb))


@pytest.fixture
def trainer_with(tmp_path: Path) -> Iterator:  # noqa: ANN201 - yields a factory
    """`trainer_with(current_model_knows=…, training=…)`: a handoff service whose Rasa runs a model
    that knows those texts, and a project whose data trains the candidate."""
    servers: list[ServerThread] = []
    http = httpx.Client(timeout=60)

    def make(current_knows: dict[str, str], training: dict[str, list[str]] = TRAINING, rasa_venv: Path | None = None) -> Trainer:
        project = small_project(tmp_path / "project", training, HELD_OUT)
        current = fake_model(tmp_path / "models/kefu-current.tar.gz", current_knows)
        rasa = FakeRasaApi(current.name)  # Rasa reports a bare file name; the service finds it in models_dir
        database = f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"
        add_agent(database, "tina", role="trainer")
        add_agent(database, "ann", role="agent")
        server = running(tmp_path, rasa, project, rasa_venv or fake_rasa_venv(tmp_path / "rasa-venv"), database).__enter__()
        servers.append(server)
        return Trainer(server.url, login(http, server.url, "tina", "password-123"), rasa, project, tmp_path / "models")

    yield make
    for server in servers:
        server.__exit__(None, None, None)
    http.close()


def wait_for(http: httpx.Client, trainer: Trainer, run_id: str, statuses: tuple[str, ...]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run = http.get(f"{trainer.url}/api/trainer/retrain/{run_id}", headers=trainer.auth).json()
        if run["status"] in statuses:
            return run
        time.sleep(0.2)
    raise AssertionError(f"retrain still {run['status']}: {run['progress']}")


def test_a_better_model_goes_live_with_a_report(trainer_with, http: httpx.Client) -> None:
    # the running model knows nothing; the project's data now covers the held-out questions
    trainer = trainer_with({}, {"ask_invoice": ["能开发票吗", "发票怎么开"], "greet": ["你好", "哈喽"]})

    started = http.post(f"{trainer.url}/api/trainer/retrain", headers=trainer.auth)
    assert started.status_code == 202, started.text
    run = wait_for(http, trainer, started.json()["id"], ("switched", "failed", "needs_confirmation"))

    assert run["status"] == "switched", run
    report = run["report"]
    assert report["before"]["accuracy"] == 0.0 and report["after"]["accuracy"] == 1.0 and not report["worse"]
    assert {row["intent"] for row in report["per_intent"] if row["changed"]} == {"ask_invoice", "greet"}
    assert report["knowledge"]["entries"] == 1  # the knowledge base was indexed too
    steps = [p["step"] for p in run["progress"]]
    assert steps[0] == "started" and steps[-1] == "switched"
    assert {"knowledge", "training", "trained", "evaluating", "switching"} <= set(steps)
    assert all(p["at"] for p in run["progress"])
    assert trainer.rasa.loaded == [str((trainer.models / report["model_after"]).absolute())]
    assert (trainer.models / report["model_after"]).exists()  # fingerprint-named, reused by `kefu demo`


def test_a_worse_model_waits_for_the_trainers_confirmation(trainer_with, http: httpx.Client) -> None:
    trainer = trainer_with({"发票怎么开": "ask_invoice", "哈喽": "greet"})
    run_id = http.post(f"{trainer.url}/api/trainer/retrain", headers=trainer.auth).json()["id"]

    run = wait_for(http, trainer, run_id, ("switched", "failed", "needs_confirmation"))
    assert run["status"] == "needs_confirmation" and run["report"]["worse"]
    assert trainer.rasa.loaded == []

    refused = http.post(f"{trainer.url}/api/trainer/retrain/{run_id}/switch", json={}, headers=trainer.auth)
    assert refused.status_code == 409
    assert "worse" in refused.json()["message"] and "confirm" in refused.json()["message"]
    assert trainer.rasa.loaded == []

    confirmed = http.post(f"{trainer.url}/api/trainer/retrain/{run_id}/switch", json={"confirm": True}, headers=trainer.auth)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "switched"
    assert len(trainer.rasa.loaded) == 1 and trainer.rasa.loaded[0].endswith(run["report"]["model_after"])


def test_only_one_retrain_runs_at_a_time(trainer_with, http: httpx.Client) -> None:
    trainer = trainer_with({})
    first = http.post(f"{trainer.url}/api/trainer/retrain", headers=trainer.auth)
    second = http.post(f"{trainer.url}/api/trainer/retrain", headers=trainer.auth)

    assert first.status_code == 202
    assert second.status_code == 409 and "already running" in second.json()["message"]
    wait_for(http, trainer, first.json()["id"], ("switched", "failed", "needs_confirmation"))
    latest = http.get(f"{trainer.url}/api/trainer/retrain", headers=trainer.auth).json()["latest"]
    assert latest["id"] == first.json()["id"]


def test_a_missing_rasa_environment_fails_the_job_with_a_clear_message(trainer_with, http: httpx.Client, tmp_path: Path) -> None:
    trainer = trainer_with({}, rasa_venv=tmp_path / "no-such-venv")
    started = http.post(f"{trainer.url}/api/trainer/retrain", headers=trainer.auth)

    run = wait_for(http, trainer, started.json()["id"], ("switched", "failed", "needs_confirmation"))

    assert run["status"] == "failed" and "make setup" in run["error"]
    assert run["progress"][-1]["step"] == "failed"
    switch = http.post(f"{trainer.url}/api/trainer/retrain/{run['id']}/switch", json={"confirm": True}, headers=trainer.auth)
    assert switch.status_code == 409  # nothing to switch to


def test_rasa_refusing_the_new_model_fails_the_job_and_keeps_the_report(trainer_with, http: httpx.Client) -> None:
    trainer = trainer_with({})
    trainer.rasa.refuse = True
    run_id = http.post(f"{trainer.url}/api/trainer/retrain", headers=trainer.auth).json()["id"]

    run = wait_for(http, trainer, run_id, ("switched", "failed", "needs_confirmation"))
    assert run["status"] == "failed" and "did not load" in run["error"] and run["report"] is not None

    trainer.rasa.refuse = False
    again = http.post(f"{trainer.url}/api/trainer/retrain/{run_id}/switch", json={}, headers=trainer.auth)
    assert again.status_code == 200 and again.json()["status"] == "switched"


def test_retraining_is_for_trainers_only(trainer_with, http: httpx.Client) -> None:
    trainer = trainer_with({})
    agent = login(http, trainer.url, "ann", "password-123")

    assert http.post(f"{trainer.url}/api/trainer/retrain", headers=agent).status_code == 403
    assert http.post(f"{trainer.url}/api/trainer/retrain").status_code == 401
    assert http.get(f"{trainer.url}/api/trainer/retrain/nope", headers=trainer.auth).status_code == 404


def test_a_report_survives_a_restart_and_an_interrupted_job_is_marked_failed(tmp_path: Path, http: httpx.Client) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"
    add_agent(database, "tina", role="trainer")

    async def seed() -> None:
        engine = make_engine(database)
        await migrate(engine)
        async with make_sessionmaker(engine)() as session:
            session.add(RetrainRun(id="done", status="switched", progress=[], report={"worse": False, "inbox": []}))
            session.add(RetrainRun(id="cut", status="training", progress=[]))
            await session.commit()
        await engine.dispose()

    asyncio.run(seed())
    project = small_project(tmp_path / "project", TRAINING, HELD_OUT)
    rasa = FakeRasaApi("kefu-current.tar.gz")
    with running(tmp_path, rasa, project, tmp_path / "venv", database) as server:
        auth = login(http, server.url, "tina", "password-123")
        done = http.get(f"{server.url}/api/trainer/retrain/done", headers=auth).json()
        cut = http.get(f"{server.url}/api/trainer/retrain/cut", headers=auth).json()

    assert done["status"] == "switched" and done["report"] == {"worse": False, "inbox": []}
    assert cut["status"] == "failed" and "restarted" in cut["error"]
