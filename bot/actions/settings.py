"""The action server's settings, from KEFU_* environment variables (or .env)."""

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from kefu_contract.secrets import DEV_SECRET


class ActionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEFU_", env_file=".env", extra="ignore")

    handoff_url: str = "http://127.0.0.1:8000"
    handoff_secret: SecretStr = SecretStr(DEV_SECRET)
    handoff_retries: int = 3
    # The store: the demo SQLite store unless a real store's API is configured (store/README.md).
    store_path: Path = Path("var/store.db")
    store_url: str | None = None
    store_token: SecretStr | None = None
    store_timezone: str = "Asia/Shanghai"  # times shown to shoppers
    # The knowledge base's own threshold decides for questions NLU understood. When NLU is
    # unsure (nlu_fallback) or calls the message out of scope, its best entry must score at
    # least this much: short noise ("？", "呵呵", "meh") lands near greetings at 0.6–0.75,
    # while real store questions NLU missed score 0.85–1.0 (BENCHMARKS.md, issue #7).
    kb_min_score_unsure: float = 0.7
    kb_min_score_out_of_scope: float = 0.85
    # A parcel whose carrier has said nothing for this long is stuck (the seeds' 48 hours).
    stuck_after_hours: float = 48.0
    # The store's after-sales offers, as the bot proposes them (knowledge/returns.yml agrees).
    return_window_days: int = 7
    refund_days: str = "1–3"
    exchange_ship_hours: int = 48
    keep_coupon_rate: float = 0.1  # keep the item: a coupon worth this share of the order
    keep_coupon_min: float = 5.0
