"""Settings of the `kefu` command (ports, paths of the demo), from KEFU_* variables (or .env)."""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class DemoSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEFU_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    rasa_port: int = 5005
    action_port: int = 5055
    var_dir: Path = Path("var")
    rasa_venv: Path = Path(".venv-rasa")
    bot_config: Path = Path("bot/config.yml")
    start_timeout_seconds: float = 180.0


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    """The environment for a process the demo starts: ours, offline, plus `extra`."""
    import os

    env = dict(os.environ)
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
