"""The whole system as a store runs it (docs/deploy.md), on loopback, with every process in reach
of a fault: its own PostgreSQL and Redis (initdb / redis-server in a temporary folder, on free
ports, so nothing else on the machine is disturbed), one or more Rasa servers, the action server,
two handoff replicas, and a real nginx in front of them with deploy/nginx/kefu.conf.

Used by the fault suite (benchmarks/faults.py, tests/integration/test_faults.py) and the soak
(benchmarks/soak.py). Each process can be killed (SIGKILL, as a crash or the OOM killer would)
and started again on the same port and data."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.handoff_databases import AGENT_PASSWORD
from bot_training.settings import child_environment
from handoff_service.core.agents import AgentDirectory
from handoff_service.core.db import make_engine, make_sessionmaker, migrate
from kefu.supervisor import (
    Ports,
    ProcessSecrets,
    ProcessSpec,
    free_port,
    kefu_specs,
    warm_up_actions,
)

ROOT = Path(__file__).resolve().parents[1]
NGINX_CONF = ROOT / "deploy/nginx/kefu.conf"
HANDOFF_SECRET = "fault-suite-handoff-secret"
IDENTITY_SECRET = "fault-suite-identity-secret"


class RigUnavailable(Exception):
    """Something the rig needs is not on this machine (nginx, PostgreSQL's binaries, redis-server)."""


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
    if not found:
        raise RigUnavailable("nginx is not installed (scripts/setup.sh installs Debian's nginx when run as root)")
    return found


def postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    if not found:
        raise RigUnavailable("PostgreSQL's server binaries are not installed (Debian's postgresql package)")
    return found[-1].parent


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if not found:
        raise RigUnavailable("redis-server is not installed (Debian's redis-server package)")
    return found


def missing() -> str | None:
    """Why the rig cannot run here, or None."""
    try:
        nginx_binary(), postgres_bin(), redis_binary()
    except RigUnavailable as exc:
        return str(exc)
    return None


def render_nginx(conf: str, listen_port: int, replica_ports: list[int]) -> str:
    """deploy/nginx/kefu.conf for loopback: plain HTTP on `listen_port`, the replicas on their ports."""
    lines, replicas = [], iter(replica_ports)
    for line in conf.splitlines():
        if line.rstrip().endswith("# tls"):
            continue
        if line.rstrip().endswith("# listen"):
            line = re.sub(r"listen [^;]*;", f"listen 127.0.0.1:{listen_port};", line)
        elif line.rstrip().endswith("# replica"):
            line = re.sub(r"server [^ ;]+", f"server 127.0.0.1:{next(replicas)}", line)
        lines.append(line)
    return "\n".join(lines) + "\n"


def nginx_command(folder: Path, listen_port: int, replica_ports: list[int]) -> list[str]:
    """Write an nginx main configuration in `folder` that includes deploy/nginx/kefu.conf rendered
    for loopback, and return the command that runs it in the foreground."""
    temp = folder / "temp"
    temp.mkdir(parents=True, exist_ok=True)
    (folder / "kefu.conf").write_text(render_nginx(NGINX_CONF.read_text(), listen_port, replica_ports))
    main = f"""{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {folder / "kefu.conf"};
}}
"""
    (folder / "nginx.conf").write_text(main)
    return [nginx_binary(), "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"]


def tcp_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Managed:
    """One process the rig can start, kill and start again; `ready()` says when it serves."""

    name: str
    command: list[str]
    log_file: Path
    ready: Callable[[], Awaitable[bool]]
    env: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env or None, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, user=self.user,
            )  # fmt: skip
        self.started_at = time.monotonic()

    async def wait_ready(self, timeout: float) -> float:
        """Seconds from start until ready."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start — see {self.log_file}")
            with contextlib.suppress(Exception):
                if await self.ready():
                    return time.monotonic() - self.started_at
            await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.name} was not ready after {timeout:.0f} s — see {self.log_file}")

    def signal(self, sig: int) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait()

    def stop(self, grace: float = 10.0) -> None:
        self.signal(signal.SIGTERM)
        if self.process is not None:
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.kill()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid


def http_ready(url: str) -> Callable[[], Awaitable[bool]]:
    async def ready() -> bool:
        async with httpx.AsyncClient(timeout=2) as http:
            return (await http.get(url)).status_code == 200

    return ready


def port_ready(port: int) -> Callable[[], Awaitable[bool]]:
    async def ready() -> bool:
        return tcp_open(port)

    return ready


@dataclass
class Rig:
    """The processes, by name: postgres, redis, actions, rasa (rasa-2…), handoff-a, handoff-b, nginx."""

    work: Path
    model: Path
    rasa_servers: int = 1
    agents: int = 4
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, Managed] = field(default_factory=dict)
    secrets: ProcessSecrets = field(default_factory=ProcessSecrets)

    @property
    def base(self) -> str:
        """The proxy: what shoppers, agents and the action server talk to."""
        return f"http://127.0.0.1:{self.ports['nginx']}"

    @property
    def database_url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.ports['postgres']}/kefu"

    def __post_init__(self) -> None:
        self.ports = {name: free_port() for name in ("postgres", "redis", "nginx", "handoff-a", "handoff-b", "action")}
        self.rasa_ports = [free_port() for _ in range(self.rasa_servers)]
        self.logs = self.work / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        # PostgreSQL refuses to run as root: then it runs as Debian's `postgres` user, in a folder it
        # can reach (a test's tmp_path is private to root).
        self.pg_user = "postgres" if os.geteuid() == 0 else None
        self.pg_dir = Path(tempfile.mkdtemp(prefix="kefu-pg-"))
        os.chmod(self.pg_dir, 0o755)

    # --- the parts --------------------------------------------------------------------------------

    def _postgres(self) -> Managed:
        data = self.pg_dir / "data"
        run = self.pg_dir / "run"
        if not data.exists():
            run.mkdir(exist_ok=True)
            data.mkdir()
            if self.pg_user:
                entry = pwd.getpwnam(self.pg_user)
                for path in (data, run):
                    os.chown(path, entry.pw_uid, entry.pw_gid)
            subprocess.run(
                [str(postgres_bin() / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, user=self.pg_user,
            )  # fmt: skip
        port = self.ports["postgres"]
        command = [
            str(postgres_bin() / "postgres"), "-D", str(data), "-p", str(port), "-k", str(run),
            # fsync=off: a killed PostgreSQL loses nothing the kernel holds (the machine does not
            # crash here); synchronous_commit stays on, or a kill would lose acknowledged commits.
            "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "fsync=off",
        ]  # fmt: skip
        return Managed("postgres", command, self.logs / "postgres.log", port_ready(port), user=self.pg_user)

    def _redis(self) -> Managed:
        port = self.ports["redis"]
        command = [redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.work)]
        return Managed("redis", command, self.logs / "redis.log", port_ready(port))

    def _nginx(self) -> Managed:
        command = nginx_command(self.work / "nginx", self.ports["nginx"], [self.ports["handoff-a"], self.ports["handoff-b"]])
        return Managed("nginx", command, self.logs / "nginx.log", port_ready(self.ports["nginx"]))

    def _kefu(self) -> list[Managed]:
        """The action server, the Rasa servers and the two replicas, as `kefu demo` starts them
        (kefu.supervisor.kefu_specs), with the replicas on PostgreSQL and Redis and the action
        server sending its hand-overs through the proxy."""
        shared = {
            "KEFU_DATABASE_URL": self.database_url,
            "KEFU_REDIS_URL": f"redis://127.0.0.1:{self.ports['redis']}/0",
            "KEFU_STORE_PATH": str(self.work / "store.db"),
            "KEFU_KB_INDEX_DIR": str(self.work / "kb"),
            "KEFU_HANDOFF_SECRET": HANDOFF_SECRET,
            "KEFU_IDENTITY_SECRET": IDENTITY_SECRET,
            "KEFU_DEMO_ACCOUNTS": "false",
            "KEFU_AUTO_ASSIGN": "false",
            # Every shopper of the load comes from 127.0.0.1.
            "KEFU_LIMIT_SESSIONS_PER_IP": "100000/minute",
            "KEFU_LIMIT_MESSAGES_PER_SESSION": "1000/minute",
            **self.extra_env,
        }
        ports = Ports(handoff=self.ports["nginx"], rasa=self.rasa_ports[0], action=self.ports["action"], more_rasa=tuple(self.rasa_ports[1:]))
        specs = kefu_specs(
            "127.0.0.1", ports, self.model, ROOT / ".venv-rasa", self.logs, handoff_env=shared,
            project_dir=ROOT, models_dir=self.model.parent, process_secrets=self.secrets,
        )  # fmt: skip
        parts = []
        for spec in specs:
            if spec.name == "handoff":
                for replica in ("handoff-a", "handoff-b"):
                    port = self.ports[replica]
                    env = {**spec.env, "KEFU_PORT": str(port)}
                    parts.append(self._managed(replica, spec, env, self.logs / f"{replica}.log", f"http://127.0.0.1:{port}/healthz"))
            else:
                parts.append(self._managed(spec.name, spec, spec.env, spec.log_file, spec.health_url))
        return parts

    @staticmethod
    def _managed(name: str, spec: ProcessSpec, env: dict[str, str], log: Path, health: str) -> Managed:
        return Managed(name, spec.command, log, http_ready(health), env=child_environment(env))

    # --- running ----------------------------------------------------------------------------------

    async def start(self) -> None:
        for part in (self._postgres(), self._redis()):
            self.processes[part.name] = part
            part.start()
        await asyncio.gather(*(self.processes[n].wait_ready(30) for n in ("postgres", "redis")))
        await self._create_database()
        await self._add_agents()
        parts = self._kefu() + [self._nginx()]
        for part in parts:
            self.processes[part.name] = part
            part.start()
        await asyncio.gather(*(part.wait_ready(300) for part in parts))
        await warm_up_actions(self.ports["action"], self.secrets.action_token)

    async def _create_database(self) -> None:
        import asyncpg

        conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{self.ports['postgres']}/postgres")
        try:
            await conn.execute("CREATE DATABASE kefu")
        finally:
            await conn.close()

    async def _add_agents(self) -> None:
        """Migrate (the replicas then start on a migrated database) and create the agents' accounts
        as `kefu agents add` does, with one engine for all (each account's password hash takes a while)."""
        engine = make_engine(self.database_url)
        try:
            await migrate(engine)
            directory = AgentDirectory(make_sessionmaker(engine), 12)
            for n in range(self.agents):
                await directory.add(f"agent{n}", AGENT_PASSWORD, f"Agent {n}", max_concurrent=50)
        finally:
            await engine.dispose()

    async def restart(self, name: str, down_for: float = 0.0, timeout: float = 300) -> float:
        """SIGKILL `name`, keep it down `down_for` seconds, start it again; returns when it is
        ready again, with the time.monotonic() of that moment."""
        part = self.processes[name]
        part.kill()
        await asyncio.sleep(down_for)
        part.start()
        await part.wait_ready(timeout)
        if name == "actions":
            await warm_up_actions(self.ports["action"], self.secrets.action_token)
        return time.monotonic()

    def pids(self) -> dict[str, int]:
        return {name: part.pid for name, part in self.processes.items() if part.process and part.process.poll() is None}

    def stop(self) -> None:
        """SIGTERM to every process at once (each stops in its own time, not one after another),
        then wait for each; PostgreSQL and Redis last, so the others stop with them there."""
        parts = [self.processes[name] for name in reversed(list(self.processes))]
        stores = [part for part in parts if part.name in ("postgres", "redis")]
        for group in ([part for part in parts if part not in stores], stores):
            for part in group:
                part.signal(signal.SIGTERM)
            for part in group:
                part.stop()
        shutil.rmtree(self.pg_dir, ignore_errors=True)
