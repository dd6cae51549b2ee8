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
    # The same database and Redis as the handoff service's: where the Rasa servers keep their
    # conversations follows from them (kefu/bot_memory.py), or KEFU_BOT_MEMORY=memory|sql|redis.
    database_url: str | None = None
    redis_url: str | None = None
    bot_memory: str = "auto"


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
