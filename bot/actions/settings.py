"""The action server's settings, from KEFU_* environment variables (or .env)."""

from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from kefu_contract.secrets import DEV_SECRET, is_dev_secret


class ActionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEFU_", env_file=".env", extra="ignore")

    # Production unless told otherwise (`kefu demo` and the tests say development): see refusals().
    environment: Literal["development", "production"] = "production"
    action_host: str = "127.0.0.1"
    # Rasa sends it with every call (bot/endpoints.yml); other callers get 401. `kefu demo` makes one per start.
    action_server_token: SecretStr | None = None
    handoff_url: str = "http://127.0.0.1:8000"
    handoff_secret: SecretStr = SecretStr(DEV_SECRET)
    handoff_retries: int = 3
    # Issue #15: each worker runs one real turn before it answers (503 until then); off only where
    # a test needs the server up at once and asks nothing of the knowledge base.
    action_warm_up: bool = True
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
    # #19: what the bot may grant by itself (the handoff service's remedy_limits["bot"] row, for
    # this process), and what an express upgrade costs the store.
    bot_remedy_limits: dict[str, float] = {"express_upgrade": 15.0, "return_shipping_waiver": 15.0, "coupon": 5.0}
    express_upgrade_cost: float = 15.0

    def refusals(self) -> list[str]:
        """Why the action server must not start with these settings (empty: it may)."""
        if self.environment != "production":
            return []
        problems = []
        if self.action_server_token is None or not self.action_server_token.get_secret_value():
            problems.append("KEFU_ACTION_SERVER_TOKEN must be set in production (Rasa sends it: bot/endpoints.yml)")
        if is_dev_secret(self.handoff_secret.get_secret_value()):
            problems.append("KEFU_HANDOFF_SECRET must be set to a private value in production")
        return problems
