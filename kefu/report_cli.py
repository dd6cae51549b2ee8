"""`kefu report weekly`: the weekly voice of the customer as a self-contained HTML file and the JSON
behind it, from the handoff service's database (KEFU_DATABASE_URL) and the store adapter. Sending it
with --email sends it through the outbound e-mail channel (KEFU_SMTP_*): the HTML as the message's
HTML body, a text summary beside it. The handoff service also sends it on a schedule when
KEFU_REPORT_WEEKLY_TO is set (handoff_service/insight/mailing.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from handoff_service.core.db import make_engine, migrate
from handoff_service.core.errors import KefuError
from handoff_service.insight import demo_history
from handoff_service.insight.mailing import email_channel, parse_recipients, send_report
from handoff_service.insight.periods import Period
from handoff_service.insight.report_html import render
from handoff_service.insight.service import InsightService, store_orders
from handoff_service.insight.voice import weekly
from handoff_service.settings import Settings
from kb_index.settings import KbSettings
from kefu_outbound import ChannelError
from store import open_store

app = typer.Typer(help="Reports: the weekly voice of the customer.", no_args_is_help=True)
console = Console(soft_wrap=True, stderr=True)
REPORTS = Path("var/reports")


def _store(settings: Settings) -> Any:
    token = settings.store_token.get_secret_value() if settings.store_token else None
    return open_store(settings.store_path, settings.store_url, token)


@app.command("weekly")
def weekly_command(
    week: str = typer.Option(None, "--week", help="ISO week, e.g. 2026-W48 (default: last full week)"),
    out: Path = typer.Option(REPORTS, "--out", help="folder for the HTML and JSON files"),
    as_json: bool = typer.Option(False, "--json", help="also print the report's JSON on stdout"),
    lang: str = typer.Option("zh", "--lang", help="language of the HTML: zh or en"),
    email: str = typer.Option(None, "--email", help="also e-mail it to these addresses (comma-separated) via KEFU_SMTP_*"),
) -> None:
    """Write var/reports/voice-<week>.html and .json (and print the JSON with --json); --email sends it."""
    settings = Settings()
    try:
        period = Period.iso_week(week, settings.store_timezone) if week else Period.last_full_week(
            dt.datetime.now(Period(dt.date.today(), dt.date.today(), settings.store_timezone).zone).date(), settings.store_timezone
        )  # fmt: skip
    except KefuError as exc:
        console.print(f"[bold red]✗[/bold red] {exc.message}")
        raise typer.Exit(2) from exc
    if lang not in ("zh", "en"):
        raise typer.BadParameter("--lang is zh or en")
    try:
        recipients = parse_recipients(email)
        channel = email_channel(settings) if email is not None else None
        if email is not None and not recipients:
            raise ValueError("--email 需要至少一个地址 / --email needs at least one address")
    except (ValueError, ChannelError) as exc:
        console.print(f"[bold red]✗[/bold red] {exc}")
        raise typer.Exit(2) from exc
    report = asyncio.run(_report(settings, period))
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"voice-{report['week']}"
    stem.with_suffix(".json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    stem.with_suffix(".html").write_text(render(report, lang), encoding="utf-8")
    console.print(f"[green]✓[/green] {stem}.html and .json ({report['figures']['conversations']} chats, {len(report['topics'])} topics)")
    if channel:
        try:
            asyncio.run(send_report(channel, report, recipients, lang, settings.shop_name))
        except ChannelError as exc:
            console.print(f"[bold red]✗[/bold red] e-mail: {exc}")
            raise typer.Exit(1) from exc
        console.print(f"[green]✓[/green] e-mailed to {', '.join(recipients)}")
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))


async def _report(settings: Settings, period: Period) -> dict[str, Any]:
    from kb_index.encoder import shared_encoder  # torch: only when a report is made

    engine = make_engine(settings.database_url)
    store = _store(settings)
    try:
        await migrate(engine)
        insight = InsightService(engine, store_orders(store), settings.store_timezone, (settings.opening_hour, settings.closing_hour))
        model = KbSettings().model  # the encoder loads only if the week has shoppers' messages to cluster
        return await weekly(insight, engine, period, store, lambda texts: shared_encoder(model).encode(texts))
    finally:
        store.close()
        await engine.dispose()


def seed_demo_history(weeks: int, seed: int) -> dict[str, int]:
    """`kefu demo --seed-history`: the demo's weeks of history, ending yesterday in the store's time zone."""
    settings = Settings()
    zone = Period(dt.date.today(), dt.date.today(), settings.store_timezone).zone
    yesterday = dt.datetime.now(zone).date() - dt.timedelta(days=1)

    async def main() -> dict[str, int]:
        engine = make_engine(settings.database_url)
        store = _store(settings)
        try:
            await migrate(engine)
            return await demo_history.seed(engine, weeks, seed, yesterday, settings.store_timezone, store)
        finally:
            store.close()
            await engine.dispose()

    return asyncio.run(main())
