"""`kefu alerts …`: proactive service from a terminal. `scan` runs the rules once against the store
(what the service's scan loop does every KEFU_PROACTIVE_SCAN_SECONDS), `rules validate` checks
proactive/rules.yml, `prefs` records a customer's wish (no alerts, or which channel)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console
from rich.table import Table

from handoff_service.core.db import make_engine, make_sessionmaker, migrate
from handoff_service.core.hub import make_hub
from handoff_service.proactive.rules import RulesError, load_rules
from handoff_service.proactive.service import ProactiveService
from handoff_service.settings import Settings
from store import StoreError, open_store

app = typer.Typer(help="Proactive service: run the rules once, check them, customers' preferences.", no_args_is_help=True)
rules_app = typer.Typer(help="The rules file (KEFU_PROACTIVE_RULES_PATH, default proactive/rules.yml).", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
console = Console(soft_wrap=True, stderr=True)
stdout = Console(soft_wrap=True)
T = TypeVar("T")


def _run(work: Callable[[ProactiveService], Awaitable[T]]) -> T:
    settings = Settings()

    async def main() -> T:
        engine = make_engine(settings.database_url)
        hub = make_hub(settings.redis_url)  # with Redis, open widgets and consoles hear of an alert at once
        token = settings.store_token.get_secret_value() if settings.store_token else None
        store = open_store(settings.store_path, settings.store_url, token)
        try:
            await migrate(engine)
            return await work(ProactiveService(make_sessionmaker(engine), hub, store, settings))
        finally:
            store.close()
            await hub.aclose()
            await engine.dispose()

    try:
        return asyncio.run(main())
    except RulesError as exc:
        console.print(f"[red]✗[/red] {exc}", highlight=False)
        raise typer.Exit(1) from exc
    except StoreError as exc:
        console.print(f"[red]✗[/red] the store did not answer: {exc}", highlight=False)
        raise typer.Exit(1) from exc


@app.command()
def scan(
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be sent; send and change nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Apply the rules once to the store's orders: send what is due (in the shopper's chat and by their
    channel), within quiet hours, the daily cap and one message per order and rule."""
    report = _run(lambda service: service.scan(dry_run=dry_run))
    if as_json:
        typer.echo(json.dumps({"dry_run": dry_run, **report.public()}, ensure_ascii=False, indent=2))
        return
    title = f"{'would send (dry run)' if dry_run else 'alerts'}: {report.orders_checked} orders checked in {report.seconds:.2f}s"
    table = Table("rule", "order", "customer", "outcome", "channels / reason", title=title, title_justify="left")
    for alert in report.alerts:
        detail = ", ".join(f"{k}: {v}" for k, v in alert.channels.items()) or (alert.reason or "")
        table.add_row(alert.rule, alert.order_id, alert.customer_id, alert.outcome, detail)
    stdout.print(table)
    if not report.alerts:
        stdout.print("nothing to send")


@rules_app.command("validate")
def validate() -> None:
    """Check the rules file: YAML, every field, zh and en texts and their placeholders, choices, coupons
    within the bot's authority (KEFU_COUPON_LIMIT_BOT)."""
    settings = Settings()
    path = settings.proactive_rules_path if settings.proactive_rules_path.is_absolute() else settings.project_dir / settings.proactive_rules_path
    try:
        rules = load_rules(path, settings.coupon_limit_bot)
    except RulesError as exc:
        console.print(f"[red]✗[/red] {exc}", highlight=False)
        raise typer.Exit(1) from exc
    active = rules.active
    stdout.print(f"[green]✓[/green] {path}: {len(rules.rules)} rules ({len(active)} enabled): "
                 + ", ".join(f"{r.id} ({r.kind}, {len(r.choices)} choices)" for r in rules.rules), highlight=False)  # fmt: skip


@app.command()
def prefs(
    customer_id: str,
    opt_out: bool = typer.Option(False, "--opt-out/--opt-in", help="No proactive messages at all (or again)."),
    channel: str = typer.Option("email", "--channel", help="Besides the chat: chat (only), email or webhook (SMS/WeCom gateway)."),
    email: str | None = typer.Option(None, "--email", help="Send e-mail here instead of the store's address."),
    phone: str | None = typer.Option(None, "--phone", help="The number the gateway sends to."),
) -> None:
    """Record what CUSTOMER_ID wants to hear from the store."""
    if channel not in ("chat", "email", "webhook"):
        raise typer.BadParameter(f"{channel!r}: choose chat, email or webhook", param_hint="--channel")
    saved = _run(lambda service: service.set_preference(customer_id, opt_out, channel, email, phone))
    stdout.print(f"[green]✓[/green] {customer_id}: " + ("no proactive messages" if saved["opt_out"] else f"chat + {saved['channel']}"))
