"""Settings of the `kefu` command (ports, paths of the demo), from KEFU_* variables (or .env)."""

from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class DemoSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEFU_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    rasa_port: int = 5005
    # More than one: Rasa servers on rasa_port, rasa_port + 1, …, each keeping its own conversations
    # (one Rasa server computes on one core; see README, "Scaling out").
    rasa_processes: int = Field(default=1, ge=1)
    action_port: int = 5055
    var_dir: Path = Path("var")
    rasa_venv: Path = Path(".venv-rasa")
    bot_config: Path = Path("bot/config.yml")
    start_timeout_seconds: float = 180.0


class SettingsError(Exception):
    """A KEFU_* value the `kefu` command cannot use, said in one line."""


def demo_settings() -> DemoSettings:
    """DemoSettings, or a SettingsError naming the variable (never pydantic's traceback)."""
    try:
        return DemoSettings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "KEFU_" + str(first["loc"][0]).upper() if first["loc"] else "a KEFU_ setting"
        raise SettingsError(f"{name}={first.get('input')!s}: {first['msg']}") from exc


def openblas_core(cpu_flags: set[str]) -> str | None:
    """The OpenBLAS kernels for a CPU with these flags, or None to let OpenBLAS choose.

    Why: Rasa 3.6 needs numpy 1.23, whose OpenBLAS (0.3.20) picks kernels by the CPU's model
    number. On a virtual machine that hides it, it falls back to its oldest (Prescott) kernels
    and the Rasa server's sentence encoder runs about 1.7x slower (BENCHMARKS.md, issue #7)."""
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"} <= cpu_flags:
        return "SkylakeX"
    if {"avx2", "fma"} <= cpu_flags:
        return "Haswell"
    return None


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    try:
        text = cpuinfo.read_text()
    except OSError:  # not Linux: OpenBLAS detects on its own
        return set()
    return {flag for line in text.splitlines() if line.startswith("flags") for flag in line.split(":", 1)[1].split()}


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    """The environment for a process the demo starts: ours, offline, plus `extra`."""
    import os

    env = dict(os.environ)
    core = openblas_core(cpu_flags())
    if core is not None:
        env.setdefault("OPENBLAS_CORETYPE", core)  # one set by the user wins
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "OMP_NUM_THREADS": "1",
            "PYTHONUNBUFFERED": "1",
            "RASA_CACHE_DIRECTORY": "var/rasa-cache",
        }
    )
    env.update(extra)
    return env
