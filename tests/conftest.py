"""Fixtures shared by all tests: real servers on free ports, stopped when the test ends."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from kefu.supervisor import free_port

ROOT = Path(__file__).resolve().parent.parent

# `test_model` and `kefu_system` (the real running system), shared by tests/integration and tests/browser
pytest_plugins = ["tests.system"]


def run_in_rasa_env(probe: str, *args: str, env: dict[str, str] | None = None, timeout: float = 300) -> Any:  # noqa: ANN401 - JSON
    """Run `probe` (Python source) with the Rasa environment's Python in the project root and
    return the last line it printed, parsed as JSON (importing Rasa takes seconds: one run per module)."""
    run = subprocess.run(
        [str(ROOT / ".venv-rasa/bin/python"), "-c", probe, *args],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


class ServerThread:
    """A real uvicorn server in a thread (the httpx way), for testing one app over real HTTP."""

    def __init__(self, app: object, log_level: str = "warning") -> None:
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level=log_level))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def serve() -> Iterator[type[ServerThread]]:
    yield ServerThread


@pytest.fixture(scope="session")
def encoder():  # noqa: ANN201 - the real default encoder, loaded once per test session
    from kb_index.encoder import load_encoder

    return load_encoder()


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.1):  # noqa: ANN001, ANN201
    """Poll `predicate` until it returns something truthy; fail the test with a clear message if not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


async def async_wait_until(predicate, timeout: float = 30.0, interval: float = 0.1):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await predicate()
        if value:
            return value
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client
