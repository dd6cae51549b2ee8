"""The demo's accounts: a fresh install can log in to the console and to the trainer's page; a
real install (demo password changed) never gets a demo trainer."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from handoff_service.core.agents import AgentDirectory
from handoff_service.app import create_app
from handoff_service.core.db import make_engine, make_sessionmaker, migrate
from handoff_service.settings import Settings
from tests.conftest import ServerThread
from tests.handoff_helpers import SECRET, FakeRasa, add_agent


def service(tmp_path: Path, database: str) -> ServerThread:
    settings = Settings(environment="development", database_url=database, handoff_secret=SECRET, store_path=tmp_path / "store.db")
    return ServerThread(create_app(settings, rasa_transport=httpx.MockTransport(FakeRasa().handler)))


def log_in(http: httpx.Client, url: str, username: str, password: str = "kefu-demo") -> httpx.Response:
    return http.post(f"{url}/api/agent/login", json={"username": username, "password": password})


def test_a_fresh_install_has_a_demo_supervisor_and_a_demo_trainer(tmp_path: Path, http: httpx.Client) -> None:
    with service(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'h.db'}") as server:
        agent = log_in(http, server.url, "agent")
        trainer = log_in(http, server.url, "trainer")

    assert agent.status_code == 200 and agent.json()["agent"]["role"] == "supervisor"
    assert trainer.status_code == 200 and trainer.json()["agent"]["role"] == "trainer"


def test_a_demo_started_before_the_trainer_existed_gets_one(tmp_path: Path, http: httpx.Client) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"

    async def older_demo() -> None:
        """The database of a demo from before: its supervisor, still on the demo password."""
        engine = make_engine(database)
        await migrate(engine)
        await AgentDirectory(make_sessionmaker(engine), 12).add("agent", "kefu-demo", "小美 Mia", role="supervisor")
        await engine.dispose()

    asyncio.run(older_demo())
    with service(tmp_path, database) as server:
        assert log_in(http, server.url, "trainer").status_code == 200


def test_a_real_install_gets_no_demo_trainer(tmp_path: Path, http: httpx.Client) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"
    add_agent(database, "agent", role="supervisor")  # the password is not the demo's any more

    with service(tmp_path, database) as server:
        assert log_in(http, server.url, "trainer").status_code == 401
