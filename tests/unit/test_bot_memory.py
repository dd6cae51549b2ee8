"""Where the Rasa servers keep conversations follows from the handoff service's settings
(kefu/bot_memory.py): in memory by default, Rasa's SQL store on PostgreSQL, Redis when
configured, the lock store on Redis whenever Redis is there."""

from __future__ import annotations

from pathlib import Path

import pytest

from kefu.bot_memory import BotMemoryError, bot_memory, choose
from kefu.supervisor import Ports, kefu_specs

PG = "postgresql+asyncpg://kefu:s3cret@db.internal:5433/shop"
SQLITE = "sqlite+aiosqlite:///var/kefu.db"
REDIS = "redis://:r3dis@cache.internal:6380/2"


@pytest.mark.parametrize(
    ("database", "redis", "wanted", "kind"),
    [
        (SQLITE, None, "auto", "memory"),
        (None, None, "auto", "memory"),
        (PG, None, "auto", "sql"),
        ("postgresql://kefu@db/shop", REDIS, "auto", "sql"),
        (SQLITE, REDIS, "auto", "redis"),
        (PG, REDIS, "redis", "redis"),
        (PG, None, "memory", "memory"),
    ],
)
def test_the_bot_memory_follows_the_database_and_redis_settings(database: str | None, redis: str | None, wanted: str, kind: str):
    assert choose(database, redis, wanted) == kind


@pytest.mark.parametrize(
    ("database", "redis", "wanted", "says"),
    [(SQLITE, None, "sql", "postgresql"), (PG, None, "redis", "KEFU_REDIS_URL"), (PG, None, "disk", "choose one of")],
)
def test_a_memory_the_settings_cannot_serve_is_refused_in_one_line(database: str, redis: str | None, wanted: str, says: str):
    with pytest.raises(BotMemoryError, match=says):
        choose(database, redis, wanted)


def test_the_sql_memory_names_its_secrets_as_variables_and_keeps_the_action_endpoint(tmp_path: Path):
    memory = bot_memory(PG, REDIS, "auto", tmp_path)
    text = memory.endpoints.read_text()
    assert memory.kind == "sql" and memory.lock_on_redis
    assert "s3cret" not in text and "r3dis" not in text  # passwords only in the Rasa process's environment
    # Unquoted: Rasa expands ${VAR} only in plain YAML scalars.
    for line in (
        "url: ${KEFU_ACTION_SERVER_URL}", "type: SQL", "db: ${KEFU_RASA_DB_NAME}", "lock_store:", "type: redis",
        "options: -csynchronous_commit=off",
    ):
        assert line in text, line
    assert memory.env["KEFU_RASA_DB_NAME"] == "shop_rasa" and memory.env["KEFU_RASA_DB_LOGIN"] == "shop"
    assert memory.env["KEFU_RASA_DB_HOST"] == "db.internal" and memory.env["KEFU_RASA_DB_PORT"] == "5433"
    assert memory.env["KEFU_RASA_DB_PASSWORD"] == "s3cret" and memory.env["KEFU_RASA_REDIS_PASSWORD"] == "r3dis"
    assert memory.env["KEFU_RASA_REDIS_DB"] == "2" and memory.env["KEFU_RASA_REDIS_PORT"] == "6380"
    # A killed Rasa's tickets free its conversations in 15 s, not Rasa's 60 (issue #15).
    assert memory.env["TICKET_LOCK_LIFETIME"] == "15"


def test_the_rasa_servers_are_started_with_the_memory_of_the_handoff_services_settings(tmp_path: Path):
    ports = Ports(handoff=8000, rasa=5005, action=5055, more_rasa=(5006,))
    memory_default = kefu_specs("127.0.0.1", ports, Path("m.tar.gz"), Path(".venv-rasa"), tmp_path / "logs")
    for spec in memory_default:
        if spec.name.startswith("rasa"):
            assert spec.command[spec.command.index("--endpoints") + 1] == "bot/endpoints.yml"
    durable = kefu_specs(
        "127.0.0.1", ports, Path("m.tar.gz"), Path(".venv-rasa"), tmp_path / "logs",
        handoff_env={"KEFU_DATABASE_URL": PG, "KEFU_REDIS_URL": REDIS},
    )  # fmt: skip
    rasa = [spec for spec in durable if spec.name.startswith("rasa")]
    assert len(rasa) == 2
    for spec in rasa:
        endpoints = Path(spec.command[spec.command.index("--endpoints") + 1])
        assert endpoints.name == "endpoints-sql-redis-lock.yml" and endpoints.exists()
        assert spec.env["KEFU_RASA_DB_NAME"] == "shop_rasa"
