"""`kefu agents …`: manage agent accounts in the handoff service's database."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console
from rich.table import Table

from handoff_service.core.agents import ROLES, AgentDirectory
from handoff_service.core.hub import make_hub, sessions_ended
from handoff_service.settings import Settings
from kefu.service_database import run_on_service_database

app = typer.Typer(help="Agent accounts: add, list, disable.", no_args_is_help=True)
console = Console(soft_wrap=True)
T = TypeVar("T")


def _run(work: Callable[[AgentDirectory], Awaitable[T]]) -> T:
    return run_on_service_database(lambda sessions, settings: AgentDirectory(sessions, settings.agent_session_hours), work, console)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _password(from_stdin: bool) -> str:
    """Asked for twice without echo; or one line of standard input for scripts (never an argument,
    which `ps` and the shell's history would keep)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@app.command()
def add(
    username: str,
    name: str | None = typer.Option(None, "--name", help="Shown to shoppers, e.g. '小美 Mia' (default: the username)."),
    role: str = typer.Option("agent", help=f"One of {', '.join(ROLES)}; the first account is usually an admin."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
    max_chats: int = typer.Option(3, help="How many chats at once."),
    languages: str = typer.Option("zh,en", help="Languages served, comma-separated."),
    skills: str = typer.Option("", help="Skills, comma-separated (e.g. returns,vip)."),
    team: str | None = typer.Option(None, help="Team name for transfers."),
) -> None:
    """Create an account (the password is hashed with argon2id). A fresh install has none: make
    the first with `kefu agents add NAME --role admin`."""
    password = _password(password_stdin)
    agent = _run(
        lambda agents: agents.add(
            username, password, name or username, role, max_chats, _split(languages), _split(skills), team
        )
    )
    console.print(f"[green]✓[/green] added {agent.username} ({agent.role})")


@app.command("list")
def list_agents() -> None:
    """Show every account with its role, status and load."""
    rows = _run(lambda agents: agents.list())
    table = Table("username", "name", "role", "active", "status", "chats", "languages", "skills", "team")
    for a in rows:
        table.add_row(
            a.username, a.display_name, a.role, "yes" if a.active else "no", a.status,
            f"{a.active_chats}/{a.max_concurrent}", ",".join(a.languages or []), ",".join(a.skills or []), a.team or "",
        )
    console.print(table)


@app.command()
def disable(username: str) -> None:
    """Stop an account from logging in; its sessions end at once. With Redis (KEFU_REDIS_URL) its
    open consoles on every replica close at once; without, within KEFU_SOCKET_CHECK_SECONDS."""
    redis_url = Settings().redis_url

    async def disable_and_tell(agents: AgentDirectory) -> None:
        from redis.exceptions import RedisError

        agent_id = await agents.disable(username)
        if not redis_url:
            return
        hub = make_hub(redis_url)
        try:
            await hub.start()
            sessions_ended(hub, agent_id)
        except (RedisError, OSError) as exc:
            console.print(f"[yellow]![/yellow] could not tell the running service over Redis ({exc}); "
                          "its open consoles close at their next session check", highlight=False)
        finally:
            await hub.aclose()

    _run(disable_and_tell)
    console.print(f"[green]✓[/green] disabled {username}")
