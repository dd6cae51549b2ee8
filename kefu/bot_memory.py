"""Where the Rasa servers keep their conversations (their "tracker store"), chosen from the same
settings as the handoff service's: the endpoints file each Rasa server reads, and the values it
names as ${VAR}.

- `memory` (the embedded default, SQLite deployments): in each Rasa server's memory
  (bot/tracker_store.py), the fastest; a Rasa restart or a model switch forgets every
  conversation's context (the transcript in the handoff service stays).
- `sql` (a `KEFU_DATABASE_URL=postgresql…` deployment): Rasa's SQL tracker store on the same
  PostgreSQL server, in a database of its own (`<name>_rasa`, created by Rasa on first start:
  Rasa's table `events` would clash with the handoff service's).
- `redis` (SQLite with `KEFU_REDIS_URL`): Rasa's Redis tracker store.

With Redis configured, Rasa's lock store (one turn at a time per conversation) is on Redis too,
so several Rasa servers, or replicas of one, never interleave a conversation's turns. A Rasa
server killed mid-turn leaves its tickets there until they expire: Rasa's default of 60 s kept
those conversations silent ≈ 40 s after the restarted server was back (the fault suite's
`rasa_killed`, issue #15), so kefu gives them LOCK_LIFETIME_SECONDS (Rasa's TICKET_LOCK_LIFETIME).

Secrets stay out of the file: it names ${KEFU_RASA_…} variables, given to the Rasa process in its
environment, which Rasa expands when it reads the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from sqlalchemy import make_url

Kind = Literal["memory", "sql", "redis"]
CHOICES = ("auto", "memory", "sql", "redis")
DEFAULT_ENDPOINTS = Path("bot/endpoints.yml")
# Long beyond a real turn (p99 well under a second; the handoff service gives up on one after its
# 30 s timeout, and never sends a conversation's next message before the last one's turn ended),
# short enough that a dead server's ticket frees its conversations soon after a restart.
LOCK_LIFETIME_SECONDS = 15


class BotMemoryError(ValueError):
    """A choice of bot memory the settings cannot serve, said in one line."""


@dataclass(frozen=True)
class BotMemory:
    kind: Kind
    lock_on_redis: bool
    # What the Rasa server reads (`--endpoints`) and the ${VAR} values it needs.
    endpoints: Path = DEFAULT_ENDPOINTS
    env: dict[str, str] = field(default_factory=dict)


def choose(database_url: str | None, redis_url: str | None, wanted: str = "auto") -> Kind:
    """`wanted` unless "auto": SQL on PostgreSQL, else Redis when configured, else memory."""
    if wanted not in CHOICES:
        raise BotMemoryError(f"KEFU_BOT_MEMORY={wanted!r}: choose one of {', '.join(CHOICES)}")
    is_postgres = bool(database_url) and make_url(_plain(database_url or "")).get_backend_name() == "postgresql"
    if wanted == "sql" and not is_postgres:
        raise BotMemoryError("KEFU_BOT_MEMORY=sql needs KEFU_DATABASE_URL=postgresql://…")
    if wanted == "redis" and not redis_url:
        raise BotMemoryError("KEFU_BOT_MEMORY=redis needs KEFU_REDIS_URL=redis://…")
    if wanted != "auto":
        return wanted  # type: ignore[return-value]
    if is_postgres:
        return "sql"
    return "redis" if redis_url else "memory"


def _plain(url: str) -> str:
    """The URL without an async driver (`postgresql+asyncpg://` → `postgresql://`)."""
    scheme, _, rest = url.partition("://")
    return f"{scheme.split('+')[0]}://{rest}" if rest else url


def bot_memory(
    database_url: str | None, redis_url: str | None, wanted: str, out_dir: Path, base: Path = DEFAULT_ENDPOINTS
) -> BotMemory:
    """The memory these settings give, writing its endpoints file into `out_dir` when it is not
    the default one (`base`, whose action endpoint it keeps)."""
    kind = choose(database_url, redis_url, wanted)
    lock_on_redis = bool(redis_url)
    if kind == "memory" and not lock_on_redis:
        return BotMemory(kind, lock_on_redis)
    endpoints = yaml.safe_load(base.read_text(encoding="utf-8"))
    env: dict[str, str] = {}
    if kind == "sql":
        url = make_url(_plain(database_url or ""))
        endpoints["tracker_store"] = {
            "type": "SQL", "dialect": "postgresql", "url": "${KEFU_RASA_DB_HOST}", "port": "${KEFU_RASA_DB_PORT}",
            "db": "${KEFU_RASA_DB_NAME}", "login_db": "${KEFU_RASA_DB_LOGIN}",
            "username": "${KEFU_RASA_DB_USER}", "password": "${KEFU_RASA_DB_PASSWORD}",
            # The bot's memory, not the transcript: a PostgreSQL crash may lose its last ≈ 0.6 s,
            # and no turn waits for a disk flush (p50 of a turn's store work 61 → 46 ms here).
            "query": {"options": "-csynchronous_commit=off"},
        }  # fmt: skip
        env |= {
            "KEFU_RASA_DB_HOST": url.host or "127.0.0.1", "KEFU_RASA_DB_PORT": str(url.port or 5432),
            "KEFU_RASA_DB_NAME": f"{url.database}_rasa", "KEFU_RASA_DB_LOGIN": url.database or "postgres",
            "KEFU_RASA_DB_USER": url.username or "postgres", "KEFU_RASA_DB_PASSWORD": url.password or "",
        }  # fmt: skip
    if redis_url:
        redis = make_url(redis_url)
        connection = {
            "url": "${KEFU_RASA_REDIS_HOST}", "port": "${KEFU_RASA_REDIS_PORT}", "db": "${KEFU_RASA_REDIS_DB}",
            "password": "${KEFU_RASA_REDIS_PASSWORD}", "key_prefix": "kefu",
        }  # fmt: skip
        env |= {
            "KEFU_RASA_REDIS_HOST": redis.host or "127.0.0.1", "KEFU_RASA_REDIS_PORT": str(redis.port or 6379),
            "KEFU_RASA_REDIS_DB": (redis.database or "0"), "KEFU_RASA_REDIS_PASSWORD": redis.password or "",
        }  # fmt: skip
        endpoints["lock_store"] = {"type": "redis", **connection}
        env["TICKET_LOCK_LIFETIME"] = str(LOCK_LIFETIME_SECONDS)
        if kind == "redis":
            endpoints["tracker_store"] = {"type": "redis", **connection}
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"endpoints-{kind}{'-redis-lock' if lock_on_redis and kind != 'redis' else ''}.yml"
    header = "# Written by kefu (kefu/bot_memory.py) from bot/endpoints.yml and the settings; do not edit.\n"
    path.write_text(header + yaml.safe_dump(endpoints, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return BotMemory(kind, lock_on_redis, path, env)
