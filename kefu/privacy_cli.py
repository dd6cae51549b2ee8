"""`kefu privacy …`: retention and the requests shoppers make about their data (PIPL / GDPR).

`purge` erases what is past the retention period, `export` writes one customer's data as JSON,
`delete` erases one customer. Each runs against the handoff service's database (KEFU_DATABASE_URL)
and is written to its audit log with who ran it (--by, default the login name)."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console
from rich.table import Table

from handoff_service.app import attachment_storage
from handoff_service.core.privacy import ErasureCounts, PrivacyService
from handoff_service.settings import Settings
from kefu.service_database import run_on_service_database

app = typer.Typer(help="Privacy: retention purge, one customer's export or erasure.", no_args_is_help=True)
console = Console(soft_wrap=True, stderr=True)  # notes and errors; the counts and the export go to stdout
stdout = Console(soft_wrap=True)
T = TypeVar("T")
_PERIOD = re.compile(r"^\s*(\d+)\s*([dwh]?)\s*$")
_UNITS = {"": "days", "d": "days", "w": "weeks", "h": "hours"}
BY_HELP = "Who asked (written to the audit log); default: your login name."


def parse_period(text: str) -> dt.timedelta:
    """`180d`, `26w`, `12h` or a bare number of days."""
    match = _PERIOD.match(text.lower())
    if not match or int(match.group(1)) == 0:
        raise typer.BadParameter(f"{text!r}: give a period such as 180d (days), 26w (weeks) or 48h (hours)")
    return dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _operator(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _run(work: Callable[[PrivacyService], Awaitable[T]]) -> T:
    return run_on_service_database(
        lambda sessions, settings: PrivacyService(sessions, attachment_storage(settings)), work, console
    )


def _show(counts: ErasureCounts, title: str) -> None:
    table = Table("records", "count", title=title, title_justify="left")
    for name, count in counts.as_dict().items():
        table.add_row(name.replace("_", " "), str(count))
    stdout.print(table)


@app.command()
def purge(
    older_than: str | None = typer.Option(
        None, "--older-than", help="e.g. 180d; default: KEFU_RETENTION_DAYS (180) days."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would be erased; change nothing."),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Erase conversations with no activity for longer than the retention period (their messages,
    escalation packets, contacts and customer ids), older ratings' comments, review items and the
    labelled messages quoted in retrain reports. Run it daily (cron, a systemd timer)."""
    period = parse_period(older_than) if older_than else dt.timedelta(days=Settings().retention_days)
    counts = _run(lambda privacy: privacy.purge(period, _operator(by), dry_run=dry_run))
    _show(counts, f"{'would erase (dry run)' if dry_run else 'erased'}: older than {period.days} days")


@app.command()
def export(
    customer_id: str,
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the JSON here instead of standard output."),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Everything held about CUSTOMER_ID, as JSON: conversations with their messages, escalations,
    rating and review items; agents' notes; coupons; the audit entries about them."""
    data = _run(lambda privacy: privacy.export(customer_id, _operator(by)))
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if out is None:
        typer.echo(text)
        return
    out.write_text(text + "\n", encoding="utf-8")
    console.print(f"[green]✓[/green] {len(data['conversations'])} conversation(s) of {customer_id} → {out}", highlight=False)


@app.command()
def delete(
    customer_id: str,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation (for scripts)."),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Erase CUSTOMER_ID: their conversations' content, contacts and id, review items, notes, and
    their name on coupon requests (amounts and codes stay for the accounts). Refused while one of
    their chats is with the desk."""
    operator = _operator(by)
    if not yes:
        planned = _run(lambda privacy: privacy.delete(customer_id, operator, dry_run=True))
        _show(planned, f"erasing customer {customer_id} would change")
        typer.confirm(f"Erase customer {customer_id}? This cannot be undone", abort=True)
    counts = _run(lambda privacy: privacy.delete(customer_id, operator))
    _show(counts, f"erased customer {customer_id}")
