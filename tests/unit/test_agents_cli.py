"""`kefu agents add`: a fresh install's first admin, with a password asked for twice without echo
(or read from standard input by a script), never taken from the command line."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from handoff_service.core.agents import AgentDirectory
from handoff_service.core.db import make_engine, make_sessionmaker, migrate
from handoff_service.core.errors import Unauthorized
from kefu.agents_cli import app as agents_cli


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"
    monkeypatch.setenv("KEFU_DATABASE_URL", url)
    monkeypatch.delenv("KEFU_ENVIRONMENT", raising=False)  # production, as on a real install
    monkeypatch.delenv("KEFU_REDIS_URL", raising=False)
    return url


def logs_in(database: str, username: str, password: str) -> str | None:
    """The account's role if `password` opens it, else None."""

    async def main() -> str | None:
        engine = make_engine(database)
        try:
            await migrate(engine)
            agent, _ = await AgentDirectory(make_sessionmaker(engine), 12).login(username, password)
            return agent.role
        except Unauthorized:
            return None
        finally:
            await engine.dispose()

    return asyncio.run(main())


def test_the_first_admin_is_made_with_a_password_asked_twice_without_echo(database: str) -> None:
    result = CliRunner().invoke(agents_cli, ["add", "boss", "--role", "admin"], input="a-long-secret\na-long-secret\n")

    assert result.exit_code == 0, result.output
    assert "Password:" in result.output and "Repeat for confirmation:" in result.output
    assert "a-long-secret" not in result.output
    assert "added boss (admin)" in result.output
    assert logs_in(database, "boss", "a-long-secret") == "admin"


def test_two_different_passwords_make_no_account(database: str) -> None:
    result = CliRunner().invoke(agents_cli, ["add", "boss", "--role", "admin"], input="a-long-secret\nanother-one\n")

    assert result.exit_code != 0
    assert "do not match" in result.output
    assert logs_in(database, "boss", "a-long-secret") is None


def test_a_script_gives_the_password_on_standard_input(database: str) -> None:
    result = CliRunner().invoke(agents_cli, ["add", "ops", "--role", "admin", "--password-stdin"], input="from-a-vault-1\n")

    assert result.exit_code == 0, result.output
    assert "Password:" not in result.output
    assert logs_in(database, "ops", "from-a-vault-1") == "admin"


def test_a_short_password_is_refused_in_one_line(database: str) -> None:
    result = CliRunner().invoke(agents_cli, ["add", "ops", "--password-stdin"], input="short\n")

    assert result.exit_code == 1
    assert "at least 8 characters" in result.output and "Traceback" not in result.output


def test_there_is_no_password_option_for_ps_and_shell_history_to_keep(database: str) -> None:
    result = CliRunner().invoke(agents_cli, ["add", "ops", "--password", "on-the-command-line"])

    assert result.exit_code == 2 and "No such option" in result.output
