"""Production is what a forgotten setting means: the handoff service and the action server refuse
to start with the published development secret, without the tokens between processes, or with
the demo's accounts; started properly they create no account. `kefu demo` (and the tests) say
development, and every start makes fresh process secrets that only the two ends of a hop get."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from handoff_service.app import create_app
from handoff_service.core.rasa_client import RasaClient
from handoff_service.settings import Settings, UnsafeSettings
from kefu.supervisor import Ports, ProcessSecrets, free_port, kefu_specs
from tests.conftest import ROOT, ServerThread
from tests.handoff_helpers import SECRET, FakeRasa

RASA_TOKEN = "unit-test-rasa-token"


def production(tmp_path: Path, **overrides: object) -> Settings:
    fields: dict[str, object] = {
        "environment": "production", "database_url": f"sqlite+aiosqlite:///{tmp_path / 'h.db'}",
        "handoff_secret": SECRET, "rasa_token": RASA_TOKEN, "store_path": tmp_path / "store.db",
    }  # fmt: skip
    return Settings(_env_file=None, **{**fields, **overrides})


def bare_environment(**extra: str) -> dict[str, str]:
    """This machine's environment without any KEFU_ setting, so the defaults speak."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}, **extra}


def test_production_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KEFU_ENVIRONMENT", raising=False)
    assert Settings(_env_file=None).environment == "production"
    assert not Settings(_env_file=None).wants_demo_accounts
    assert Settings(_env_file=None, environment="development").wants_demo_accounts


def test_the_development_secret_is_refused_in_production(tmp_path: Path) -> None:
    from kefu_contract.secrets import DEV_SECRET

    with pytest.raises(UnsafeSettings, match="KEFU_HANDOFF_SECRET"):
        create_app(production(tmp_path, handoff_secret=SecretStr(DEV_SECRET)))


def test_production_without_rasa_s_token_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsafeSettings, match="KEFU_RASA_TOKEN"):
        create_app(production(tmp_path, rasa_token=None))


def test_the_demo_s_accounts_are_refused_in_production(tmp_path: Path) -> None:
    with pytest.raises(UnsafeSettings, match="KEFU_DEMO_ACCOUNTS"):
        create_app(production(tmp_path, demo_accounts=True))


def test_a_production_start_creates_no_account(tmp_path: Path, http: httpx.Client) -> None:
    app = create_app(production(tmp_path), rasa_transport=httpx.MockTransport(FakeRasa().handler))
    with ServerThread(app) as server:
        for username in ("agent", "trainer"):
            answer = http.post(f"{server.url}/api/agent/login", json={"username": username, "password": "kefu-demo"})
            assert answer.status_code == 401


def test_python_m_handoff_service_says_why_it_will_not_start(tmp_path: Path) -> None:
    env = bare_environment(KEFU_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'h.db'}", KEFU_PORT=str(free_port()))
    done = subprocess.run(
        [sys.executable, "-m", "handoff_service"], cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert "refuses to start" in last and "KEFU_HANDOFF_SECRET" in last and "KEFU_RASA_TOKEN" in last
    assert "Traceback" not in done.stderr


def test_the_action_server_will_not_start_in_production_without_its_secret(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.action_server", "--actions", "bot.actions", "--port", str(free_port())],
        cwd=tmp_path, env={**bare_environment(), "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    assert "KEFU_ACTION_SERVER_TOKEN" in done.stderr and "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The real action server (rasa-sdk + kefu's actions) started as kefu starts it, with a secret."""
    port, secret = free_port(), ProcessSecrets().action_token
    logs = tmp_path_factory.mktemp("actions") / "actions.log"
    env = bare_environment(
        KEFU_ACTION_SERVER_TOKEN=secret, KEFU_HANDOFF_SECRET=SECRET, KEFU_ACTION_WARM_UP="false", PYTHONPATH=str(ROOT)
    )  # no turn here needs the models loaded
    with logs.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.action_server", "--actions", "bot.actions", "--port", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, logs.read_text(errors="replace")[-2000:]
            time.sleep(0.2)
        yield base, secret
    finally:
        process.terminate()
        try:  # a worker still building the index from a fresh clone finishes that first
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: the workers and sanic's manager too
            process.wait()


def test_the_action_server_answers_only_calls_carrying_its_secret(action_server: tuple[str, str], http: httpx.Client) -> None:
    base, secret = action_server
    call = {"next_action": "action_no_such_thing", "tracker": {"sender_id": "x"}, "domain": {}, "version": "3.6.21"}

    assert http.get(f"{base}/health").status_code == 200
    assert http.post(f"{base}/webhook", json=call).status_code == 401
    assert http.post(f"{base}/webhook", json=call, headers={"Authorization": "Bearer guessed"}).status_code == 401
    assert http.get(f"{base}/actions").status_code == 401
    # With the secret the call reaches rasa-sdk, which does not know this action.
    assert http.post(f"{base}/webhook", json=call, headers={"Authorization": f"Bearer {secret}"}).status_code == 404
    assert "action_escalate" in http.get(f"{base}/actions", headers={"Authorization": f"Bearer {secret}"}).text


def test_each_start_makes_fresh_process_secrets_and_hands_each_to_both_ends_of_its_hop() -> None:
    ports = Ports(handoff=8000, rasa=5005, action=5055, more_rasa=(5006,))
    first, second = (
        {s.name: s for s in kefu_specs("127.0.0.1", ports, Path("m.tar.gz"), Path(".venv-rasa"), Path("logs"))}
        for _ in range(2)
    )
    for specs in (first, second):
        rasa_token = specs["handoff"].env["KEFU_RASA_TOKEN"]
        action_token = specs["actions"].env["KEFU_ACTION_SERVER_TOKEN"]
        for rasa in ("rasa", "rasa-2"):
            command = specs[rasa].command
            assert f"--auth-token={rasa_token}" in command  # one word: argparse would take "-…" for an option
            assert specs[rasa].env["KEFU_ACTION_SERVER_TOKEN"] == action_token
            assert rasa_token not in specs[rasa].health_url
        assert "KEFU_RASA_TOKEN" not in specs["actions"].env and "KEFU_ACTION_SERVER_TOKEN" not in specs["handoff"].env
        assert len({rasa_token, action_token}) == 2 and min(len(rasa_token), len(action_token)) >= 32
        assert specs["handoff"].env["KEFU_ENVIRONMENT"] == specs["actions"].env["KEFU_ENVIRONMENT"] == "development"
    assert first["handoff"].env["KEFU_RASA_TOKEN"] != second["handoff"].env["KEFU_RASA_TOKEN"]
    assert first["actions"].env["KEFU_ACTION_SERVER_TOKEN"] != second["actions"].env["KEFU_ACTION_SERVER_TOKEN"]

    real = {s.name: s for s in kefu_specs("127.0.0.1", ports, Path("m"), Path(".venv-rasa"), Path("logs"), development=False)}
    assert "KEFU_ENVIRONMENT" not in real["handoff"].env and "KEFU_ENVIRONMENT" not in real["actions"].env


async def test_the_rasa_client_sends_the_token_to_rasa_s_api_but_not_its_chat_channel() -> None:
    seen: list[httpx.Request] = []

    def rasa(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/webhooks/rest/webhook":
            return httpx.Response(200, json=[])
        return httpx.Response(200, json={"model_file": "m.tar.gz"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(rasa)) as http:
        client = RasaClient(["http://rasa:5005"], http, token=RASA_TOKEN)
        await client.send("c1", "你好", {})
        await client.set_slot("c1", "handoff_outcome", "resolved")
        await client.status()
        await client.load_model("m.tar.gz")

    tokens = {request.url.path: request.url.params.get("token") for request in seen}
    assert tokens == {
        "/webhooks/rest/webhook": None,
        "/conversations/c1/tracker/events": RASA_TOKEN,
        "/status": RASA_TOKEN,
        "/model": RASA_TOKEN,
    }


async def test_a_refusal_from_rasa_is_said_without_the_url_that_carries_the_token() -> None:
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(401))) as http:
        client = RasaClient(["http://rasa:5005"], http, token=RASA_TOKEN)
        for call in (client.status(), client.set_slot("c1", "s", 1), client.load_model("m")):
            with pytest.raises(Exception) as refused:
                await call
            assert "401" in str(refused.value) and RASA_TOKEN not in str(refused.value)
