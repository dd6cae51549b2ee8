"""The action server's settings, from KEFU_* environment variables (or .env)."""

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from handoff_service.settings import DEV_SECRET


class ActionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEFU_", env_file=".env", extra="ignore")

    handoff_url: str = "http://127.0.0.1:8000"
    handoff_secret: SecretStr = SecretStr(DEV_SECRET)
    handoff_retries: int = 3
    store_path: Path = Path("var/store.db")
