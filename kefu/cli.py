"""`kefu`: the command for operators and trainers."""

from __future__ import annotations

import asyncio
import signal
import time

import typer
from rich.console import Console

from bot_training.training import TrainingFailed, train
from kb_index.cli import app as kb_app
from kefu.agents_cli import app as agents_app
from kefu.alerts_cli import app as alerts_app
from kefu.bot_memory import BotMemoryError, bot_memory
from kefu.nlu_cli import nlu_app, settings_or_exit
from kefu.privacy_cli import app as privacy_app
from kefu.report_cli import app as report_app
from kefu.report_cli import seed_demo_history
from kefu.settings import DemoSettings
from kefu.supervisor import (
    Ports,
    ProcessSecrets,
    StartFailed,
    Supervisor,
    kefu_specs,
    port_in_use,
    warm_up_actions,
)

app = typer.Typer(help="kefu 客服: customer service for online stores.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")
app.add_typer(agents_app, name="agents")
app.add_typer(nlu_app, name="nlu")
app.add_typer(privacy_app, name="privacy")
app.add_typer(alerts_app, name="alerts")
app.add_typer(report_app, name="report")
console = Console(soft_wrap=True)


def fail(message: str) -> typer.Exit:
    console.print(f"[bold red]✗[/bold red] {message}", highlight=False)
    return typer.Exit(1)


@app.command("train")
def train_command() -> None:
    """Train the Rasa model if its data or config changed since the last training."""
    settings = settings_or_exit()
    _train(settings)


def _train(settings: DemoSettings):
    rasa = settings.rasa_venv / "bin" / "rasa"
    if not rasa.exists():
        raise fail(f"{rasa} not found: run `make demo` (or `make setup`) to create the Rasa environment")
    log = settings.var_dir / "logs" / "train.log"
    started = time.perf_counter()
    try:
        with console.status(f"Training the bot if its data changed (log: {log})…"):
            model, trained = train(settings.rasa_venv, settings.bot_config, settings.var_dir / "models", log)
    except TrainingFailed as exc:
        raise fail(str(exc)) from exc
    state = f"trained in {time.perf_counter() - started:.0f}s" if trained else "up to date"
    console.print(f"[green]✓[/green] bot model {state}: {model}")
    return model


@app.command()
def demo(
    seed_history: bool = typer.Option(
        False, "--seed-history", help="first write weeks of demo history (marked as demo) for the dashboard and reports"
    ),
    weeks: int = typer.Option(4, "--weeks", min=1, max=52, help="with --seed-history: how many weeks"),
    seed: int = typer.Option(17, "--seed", help="with --seed-history: the same seed writes the same history"),
    start: bool = typer.Option(True, "--start/--no-start", help="--no-start: only seed, start nothing"),
) -> None:
    """Build the index, train if needed, start everything on 127.0.0.1 and print the URLs."""
    settings = settings_or_exit()
    if seed_history:
        written = seed_demo_history(weeks, seed)
        if written["already_seeded"]:
            console.print(f"[green]✓[/green] demo history already there ({written['already_seeded']} chats marked as demo)")
        else:
            console.print(f"[green]✓[/green] demo history: {written['chats']} chats over {weeks} weeks, marked as demo")
    if not start:
        return
    ports = Ports(
        handoff=settings.port,
        rasa=settings.rasa_port,
        action=settings.action_port,
        more_rasa=tuple(settings.rasa_port + n for n in range(1, settings.rasa_processes)),
    )
    for name, port, var in (
        ("handoff service", ports.handoff, "KEFU_PORT"),
        *(("Rasa server", port, "KEFU_RASA_PORT") for port in ports.all_rasa()),
        ("action server", ports.action, "KEFU_ACTION_PORT"),
    ):
        if port_in_use(settings.host, port):
            raise fail(
                f"port {port} ({name}) is in use — stop what holds it (another `make demo`?) "
                f"or choose another with {var}=<port> make demo"
            )
    from kb_index.cli import build as build_index

    build_index(force=False)
    model = _train(settings)
    process_secrets = ProcessSecrets()
    try:
        memory = bot_memory(settings.database_url, settings.redis_url, settings.bot_memory, settings.var_dir / "rasa-endpoints")
    except BotMemoryError as exc:
        raise fail(str(exc)) from exc
    specs = kefu_specs(
        settings.host, ports, model, settings.rasa_venv, settings.var_dir / "logs", process_secrets=process_secrets,
        memory=memory,
    )  # fmt: skip
    try:
        asyncio.run(
            _run_demo(Supervisor(specs, settings.start_timeout_seconds), settings, ports, process_secrets.action_token)
        )
    except StartFailed as exc:
        raise fail(str(exc)) from exc


async def _run_demo(supervisor: Supervisor, settings: DemoSettings, ports: Ports, action_token: str) -> None:
    started = time.perf_counter()
    with console.status("Starting the handoff service, the Rasa server and the action server…"):
        await supervisor.start()
        await warm_up_actions(ports.action, action_token, settings.host)
    base = f"http://{settings.host}:{ports.handoff}"
    console.print(f"[green]✓[/green] kefu is up in {time.perf_counter() - started:.0f}s (logs: {settings.var_dir}/logs)")
    console.print(f"  storefront with the chat widget: [bold]{base}/[/bold]")
    console.print(f"  agent console:                   [bold]{base}/console[/bold]  (login: agent / kefu-demo)")
    console.print(f"  trainer's page:                  [bold]{base}/trainer[/bold]  (login: trainer / kefu-demo)")
    console.print("  stop with Ctrl-C")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    exited = asyncio.ensure_future(supervisor.wait_any_exit())
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({exited, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if exited.done():
        name, code = exited.result()
        console.print(f"[bold red]✗[/bold red] {name} stopped unexpectedly (exit {code}); see {settings.var_dir}/logs")
    else:
        exited.cancel()
    with console.status("Stopping…"):
        await supervisor.stop()
    console.print("stopped.")
