"""The real system: a really trained Rasa model, and the three real processes on free ports.

A pytest plugin (registered in tests/conftest.py), so tests/integration and tests/browser share one
running system per session instead of starting two. The system runs on a copy of the project
(bot/, nlu_data/, knowledge/, tests/data/nlu) in a temporary folder: what the trainer's page
writes and retrains lands there, never in the repository."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kefu.supervisor import Ports, ProcessSecrets, Supervisor, free_port, kefu_specs, warm_up_actions
from bot_training.training import train
from tests.conftest import ROOT
from tests.handoff_helpers import IDENTITY_SECRET

# A storefront on another origin than kefu's that may embed the widget (Playwright answers for it).
ALLOWED_ORIGIN = "http://shop.example"


@dataclass
class RunningKefu:
    handoff_url: str
    rasa_url: str
    logs: Path
    database_url: str  # the handoff service's database, e.g. to add agent accounts
    project_dir: Path  # the copy of the project the system runs and the trainer's page writes into
    models_dir: Path  # where a retrain puts its models (the test model is linked in)
    rasa_urls: list[str]  # every Rasa server; rasa_url is the first
    rasa_token: str  # Rasa's HTTP API wants it as ?token= (its REST channel does not)
    action_url: str  # the action server; it answers only Rasa (Authorization: Bearer <secret>)


def copy_project(destination: Path) -> Path:
    """What the running system reads and trainers change: the bot, its NLU data, the knowledge
    base and the held-out NLU sets a retrain is scored on; and kefu_contract, which the bot's
    featurizer imports when `rasa train` runs in the copy."""
    ignore = shutil.ignore_patterns("__pycache__")
    for part in ("bot", "kefu_contract", "nlu_data", "knowledge", "tests/data/nlu"):
        shutil.copytree(ROOT / part, destination / part, ignore=ignore)
    return destination


@pytest.fixture(scope="session")
def test_model() -> Path:
    """Trained with the short-epoch test config; reused while the bot's data is unchanged."""
    os.chdir(ROOT)
    model, _ = train(ROOT / ".venv-rasa", Path("bot/config.test.yml"), ROOT / "var/models", ROOT / "var/logs/train-test.log")
    return model


@contextlib.contextmanager
def running_kefu(test_model: Path, work: Path, rasa_servers: int = 1) -> Iterator[RunningKefu]:
    """The system on a copy of the project in `work`, with one or more Rasa servers."""
    os.chdir(ROOT)
    project = copy_project(work / "project")
    models = work / "models"
    models.mkdir()
    model = models / test_model.name
    model.symlink_to(test_model.absolute())
    ports = Ports(
        handoff=free_port(), rasa=free_port(), action=free_port(),
        more_rasa=tuple(free_port() for _ in range(1, rasa_servers)),
    )  # fmt: skip
    shared_env = {
        "KEFU_DATABASE_URL": f"sqlite+aiosqlite:///{work / 'kefu.db'}",
        "KEFU_STORE_PATH": str(work / "store.db"),
        "KEFU_KB_INDEX_DIR": str(work / "kb"),
        "KEFU_KB_KNOWLEDGE_DIR": str(project / "knowledge"),
        "KEFU_HANDOFF_SECRET": "integration-test-secret",
        # One system serves every browser and integration test, all from 127.0.0.1: the limits per
        # address would count the whole suite as one visitor (per chat and per username stay as shipped).
        "KEFU_LIMIT_LOGINS_PER_IP": "1000/minute",
        "KEFU_LIMIT_SESSIONS_PER_IP": "1000/minute",
        "KEFU_IDENTITY_SECRET": IDENTITY_SECRET,  # so tests sign their shoppers as a store would
        "KEFU_ALLOWED_ORIGINS": ALLOWED_ORIGIN,
    }
    process_secrets = ProcessSecrets()
    specs = kefu_specs(
        "127.0.0.1", ports, model, ROOT / ".venv-rasa", work / "logs", handoff_env=shared_env,
        project_dir=project, models_dir=models, process_secrets=process_secrets,
    )  # fmt: skip
    supervisor = Supervisor(specs, start_timeout=180)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(supervisor.start())
        loop.run_until_complete(warm_up_actions(ports.action, process_secrets.action_token))
        yield RunningKefu(
            handoff_url=f"http://127.0.0.1:{ports.handoff}",
            rasa_url=f"http://127.0.0.1:{ports.rasa}",
            logs=work / "logs",
            database_url=shared_env["KEFU_DATABASE_URL"],
            project_dir=project,
            models_dir=models,
            rasa_urls=[f"http://127.0.0.1:{port}" for port in ports.all_rasa()],
            rasa_token=process_secrets.rasa_token,
            action_url=f"http://127.0.0.1:{ports.action}",
        )
    finally:
        loop.run_until_complete(supervisor.stop())
        loop.close()


@pytest.fixture(scope="session")
def kefu_system(test_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningKefu]:
    with running_kefu(test_model, tmp_path_factory.mktemp("kefu")) as system:
        yield system
