"""Start kefu's three processes, wait until each is healthy, stop them all together.

Used by `kefu demo` and by the integration tests, so both run the system the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot_training.settings import child_environment
from kefu.bot_memory import BotMemory, bot_memory

# The demo storefront's signed-in shopper (the demo store's first customer).
DEMO_CUSTOMER_ID = "C1001"


class StartFailed(Exception):
    """One line saying what went wrong at start and what to do about it."""


@dataclass
class ProcessSpec:
    name: str
    command: list[str]
    health_url: str
    log_file: Path
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProcessSecrets:
    """What the processes prove to each other, made fresh for each start and handed to them in
    their environment (never in a file): Rasa's HTTP API token, which the handoff service sends,
    and the action server's secret, which Rasa sends."""

    rasa_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    action_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))


@dataclass
class Ports:
    handoff: int
    rasa: int
    action: int
    # Further Rasa servers: each keeps the conversations the handoff service routes to it.
    more_rasa: tuple[int, ...] = ()

    def all_rasa(self) -> list[int]:
        return [self.rasa, *self.more_rasa]


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def kefu_specs(
    host: str,
    ports: Ports,
    model: Path,
    rasa_venv: Path,
    logs: Path,
    handoff_env: dict[str, str] | None = None,
    project_dir: Path = Path("."),
    models_dir: Path | None = None,
    process_secrets: ProcessSecrets | None = None,
    development: bool = True,
    memory: BotMemory | None = None,
) -> list[ProcessSpec]:
    """The handoff service, the Rasa server and the action server, wired to each other.

    `development` (the demo, the tests) lets the services start with the demo's accounts and
    secrets; without it they refuse to start unless real ones are set (SECURITY.md).

    The handoff service's trainer page writes into `project_dir` and retrains it with `rasa_venv`
    into `models_dir` (default: the model's folder), so the demo retrains what it runs.

    `memory`: where the Rasa servers keep conversations (kefu/bot_memory.py); by default what
    `handoff_env`'s database and Redis give (in memory for SQLite without Redis)."""
    base = f"http://{host}"
    if memory is None:
        given = handoff_env or {}
        memory = bot_memory(
            given.get("KEFU_DATABASE_URL"), given.get("KEFU_REDIS_URL"), given.get("KEFU_BOT_MEMORY", "auto"),
            logs.parent / "rasa-endpoints",
        )
    process_secrets = process_secrets or ProcessSecrets()
    environment = {"KEFU_ENVIRONMENT": "development"} if development else {}
    trainer_env = {
        "KEFU_PROJECT_DIR": str(project_dir.absolute()),
        "KEFU_RASA_VENV": str(rasa_venv.absolute()),
        "KEFU_MODELS_DIR": str((models_dir or model.parent).absolute()),
    }
    return [
        ProcessSpec(
            name="actions",
            command=[sys.executable, "-m", "bot.action_server", "--actions", "bot.actions", "--port", str(ports.action)],
            health_url=f"{base}:{ports.action}/health",
            log_file=logs / "actions.log",
            env={
                **environment,
                "KEFU_ACTION_HOST": host,
                "KEFU_ACTION_SERVER_TOKEN": process_secrets.action_token,
                "KEFU_HANDOFF_URL": f"{base}:{ports.handoff}",
                **(handoff_env or {}),
            },
        ),
        *(
            ProcessSpec(
                name=rasa_process_name(n),
                command=[
                    str(rasa_venv / "bin" / "python"), "-m", "bot.server", "run", "--enable-api",
                    f"--auth-token={process_secrets.rasa_token}",  # one word: a token may start with "-"
                    "--model", str(model), "--interface", host, "--port", str(port),
                    "--endpoints", str(memory.endpoints), "--credentials", "bot/credentials.yml",
                ],  # fmt: skip
                # Rasa answers nothing before its model is loaded; /version needs no token.
                health_url=f"{base}:{port}/version",
                log_file=logs / f"{rasa_process_name(n)}.log",
                env={
                    "KEFU_ACTION_SERVER_URL": f"{base}:{ports.action}/webhook",
                    "KEFU_ACTION_SERVER_TOKEN": process_secrets.action_token,
                    **memory.env,
                },
            )
            for n, port in enumerate(ports.all_rasa())
        ),
        ProcessSpec(
            name="handoff",
            command=[sys.executable, "-m", "handoff_service"],
            health_url=f"{base}:{ports.handoff}/healthz",
            log_file=logs / "handoff.log",
            env={
                **environment,
                "KEFU_RASA_TOKEN": process_secrets.rasa_token,
                "KEFU_HOST": host,
                "KEFU_PORT": str(ports.handoff),
                "KEFU_RASA_URL": ",".join(f"{base}:{port}" for port in ports.all_rasa()),
                # The demo page signs its customer as a store's server would, with a secret of this run.
                "KEFU_IDENTITY_SECRET": secrets.token_urlsafe(32),
                "KEFU_DEMO_CUSTOMER_ID": DEMO_CUSTOMER_ID,
                # Proactive service shows itself at any hour in the demo: scans every 20 s, no quiet hours.
                "KEFU_PROACTIVE_ENABLED": "true",
                "KEFU_PROACTIVE_SCAN_SECONDS": "20",
                "KEFU_PROACTIVE_QUIET_HOURS": "",
                **trainer_env,
                **(handoff_env or {}),
            },
        ),
    ]


def rasa_process_name(n: int) -> str:
    """`rasa`, then `rasa-2`, `rasa-3`… (the first keeps the name logs and tests know)."""
    return "rasa" if n == 0 else f"rasa-{n + 1}"


class Supervisor:
    def __init__(self, specs: list[ProcessSpec], start_timeout: float) -> None:
        self.specs = specs
        self.start_timeout = start_timeout
        self.processes: dict[str, asyncio.subprocess.Process] = {}

    async def start(self) -> None:
        """Start every process and return once all are healthy; on any failure stop all and raise."""
        try:
            for spec in self.specs:
                spec.log_file.parent.mkdir(parents=True, exist_ok=True)
                log = spec.log_file.open("ab")
                self.processes[spec.name] = await asyncio.create_subprocess_exec(
                    *spec.command,
                    stdout=log,
                    stderr=asyncio.subprocess.STDOUT,
                    env=child_environment(spec.env),
                    start_new_session=True,  # Ctrl-C reaches us only; we stop the children in order
                )
                log.close()
            await asyncio.gather(*(self._wait_healthy(spec) for spec in self.specs))
        except BaseException:
            await self.stop()
            raise

    async def _wait_healthy(self, spec: ProcessSpec) -> None:
        deadline = time.monotonic() + self.start_timeout
        async with httpx.AsyncClient(timeout=3) as http:
            while time.monotonic() < deadline:
                process = self.processes[spec.name]
                if process.returncode is not None:
                    raise StartFailed(
                        f"{spec.name} exited at start (code {process.returncode}): {last_line(spec.log_file)} "
                        f"— see {spec.log_file}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(spec.health_url)).status_code == 200:
                        return
                await asyncio.sleep(0.5)
        raise StartFailed(f"{spec.name} was not healthy after {self.start_timeout:.0f}s — see {spec.log_file}")

    async def wait_any_exit(self) -> tuple[str, int]:
        """Block until one process exits; return its name and exit code."""
        waits = {asyncio.ensure_future(p.wait()): name for name, p in self.processes.items()}
        done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        task = done.pop()
        return waits[task], task.result()

    async def stop(self, grace: float = 10.0) -> None:
        """SIGTERM in reverse start order, then SIGKILL whatever is still running after `grace`."""
        for name in reversed(list(self.processes)):
            process = self.processes[name]
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                await asyncio.wait_for(process.wait(), timeout=grace)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()


def last_line(path: Path) -> str:
    try:
        lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "(no log)"
    return lines[-1].strip()[:300] if lines else "(empty log)"


async def warm_up_actions(action_port: int, token: str, host: str = "127.0.0.1") -> None:
    """Make the action server load its encoder and index now, not on the first shopper's question."""
    from bot.action_server import WARM_UP_CALL

    async with httpx.AsyncClient(timeout=120) as http:
        response = await http.post(
            f"http://{host}:{action_port}/webhook", json=WARM_UP_CALL, headers={"Authorization": f"Bearer {token}"}
        )
        if response.status_code != 200:
            raise StartFailed(f"the action server failed its first answer ({response.status_code}): {response.text[:200]}")
