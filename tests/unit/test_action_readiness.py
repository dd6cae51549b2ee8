"""The action server answers only once it has loaded what a turn needs (issue #15): until its
warm-up turn has run, every call gets 503 with Retry-After (Rasa then returns no reply at once
and the handoff service queues the chat), never a call held behind a blocked event loop."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

from bot.action_server import create_action_app
from tests.conftest import ServerThread, wait_until

SECRET = "readiness-test-secret"
UNKNOWN_ACTION = {"next_action": "action_no_such_thing", "tracker": {"sender_id": "x"}, "domain": {}, "version": "3.6.21"}


@pytest.fixture(autouse=True)
def _several_apps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Sanic, "test_mode", True)  # several Sanic apps named "rasa_sdk" in one process


def test_every_call_is_refused_with_retry_after_until_the_warm_up_turn_has_run(http: httpx.Client) -> None:
    release, warming = threading.Event(), threading.Event()

    def slow_warm_up() -> None:  # the seam: stands for loading the encoder, index and upset model
        warming.set()
        assert release.wait(30)

    app = create_action_app(ActionExecutor(), SECRET, "endpoints.yml", warm_up=slow_warm_up)
    auth = {"Authorization": f"Bearer {SECRET}"}
    with ServerThread(app) as server:
        assert warming.wait(10)
        started = time.monotonic()
        health = http.get(f"{server.url}/health")
        call = http.post(f"{server.url}/webhook", json=UNKNOWN_ACTION, headers=auth)
        assert time.monotonic() - started < 2  # refused at once, while the warm-up runs in its thread
        assert health.status_code == 503 and health.json() == {"status": "loading"}
        assert call.status_code == 503 and call.headers["Retry-After"] == "5" and call.json()["error"] == "loading"
        assert http.post(f"{server.url}/webhook", json=UNKNOWN_ACTION).status_code == 401  # the secret still first

        release.set()
        wait_until(lambda: http.get(f"{server.url}/health").status_code == 200, timeout=10)
        assert http.get(f"{server.url}/health").json() == {"status": "ok"}
        # Now the call reaches the executor (which knows no such action).
        assert http.post(f"{server.url}/webhook", json=UNKNOWN_ACTION, headers=auth).status_code == 404


def test_a_failed_warm_up_is_logged_and_the_server_answers_anyway(http: httpx.Client) -> None:
    """Turns then fail one by one with their own honest answers, rather than the server refusing for ever."""

    def broken_warm_up() -> None:
        raise RuntimeError("no knowledge index")

    app = create_action_app(ActionExecutor(), None, "endpoints.yml", warm_up=broken_warm_up)
    with ServerThread(app) as server:
        wait_until(lambda: http.get(f"{server.url}/health").status_code == 200, timeout=10)
        assert http.post(f"{server.url}/webhook", json=UNKNOWN_ACTION).status_code == 404
