"""kb_index settings, from KEFU_KB_* environment variables (or .env)."""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from kb_index.encoder import DEFAULT_MODEL


class KbSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEFU_KB_", env_file=".env", extra="ignore")

    knowledge_dir: Path = Path("knowledge")
    index_dir: Path = Path("var/kb")
    model: str = DEFAULT_MODEL
    # Cosine score the best entry must reach before the bot answers with it (see BENCHMARKS.md).
    threshold: float = 0.65
