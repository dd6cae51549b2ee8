"""`kefu nlu …`: the trainer's commands for the bot's language understanding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kefu.nlu_eval import Evaluation, EvaluationFailed, cross_validate, evaluate
from kefu.settings import DemoSettings

nlu_app = typer.Typer(help="The bot's language understanding: evaluate pipelines and data.", no_args_is_help=True)
console = Console(soft_wrap=True)


@nlu_app.command("eval")
def eval_command(
    train: Annotated[Path | None, typer.Option("--train", help="Rasa NLU YAML (file or folder) to train on.")] = None,
    test: Annotated[Path | None, typer.Option("--test", help="Rasa NLU YAML to report on.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Rasa config whose pipeline is trained.")] = None,
    folds: Annotated[int, typer.Option(help="Folds of the cross-validation (no --train/--test).")] = 5,
    data: Annotated[Path, typer.Option(help="NLU data cross-validated when no --train/--test.")] = Path("nlu_data"),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document instead of tables.")] = False,
) -> None:
    """Train the NLU pipeline of bot/config.yml on --train and score it on --test.

    Without --train/--test: stratified cross-validation on nlu_data. Test examples labelled
    `out_of_scope` count as right when the pipeline predicts out_of_scope or nlu_fallback.
    """
    settings = DemoSettings()
    config = config or settings.bot_config
    if (train is None) != (test is None):
        console.print("[bold red]✗[/bold red] give both --train and --test, or neither (cross-validation)")
        raise typer.Exit(2)
    log = settings.var_dir / "logs" / "nlu-eval.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    what = f"{train} → {test}" if train and test else f"{folds}-fold cross-validation on {data}"
    try:
        with console.status(f"Training and parsing in the Rasa environment ({what}; log: {log})…"):
            if train and test:
                result = evaluate(settings.rasa_venv, config, train, test, log)
            else:
                result = cross_validate(settings.rasa_venv, config, data, folds, log)
    except EvaluationFailed as exc:
        console.print(f"[bold red]✗[/bold red] {exc}", highlight=False)
        raise typer.Exit(1) from exc
    if as_json:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
    else:
        show(result, what, config)


def show(result: Evaluation, what: str, config: Path) -> None:
    """Headline scores, then per-intent F1 (worst first), then the most confused pairs."""
    report = result.report
    pct = lambda v: "–" if v is None else f"{100 * v:.1f} %"  # noqa: E731
    console.print(f"[bold]{what}[/bold] with the pipeline of {config}: {report.n} test examples")
    headline = Table(show_header=False, box=None)
    for name, value in (
        ("intent accuracy", pct(report.accuracy)),
        ("macro-F1", f"{report.macro_f1:.3f}"),
        ("in-scope accuracy", pct(report.in_scope_accuracy)),
        ("out-of-scope recall", pct(report.oos_recall)),
        ("training", " + ".join(f"{s:.0f}s" for s in result.train_seconds)),
    ):
        headline.add_row(name, value)
    console.print(headline)
    per_intent = Table("intent", "F1", "precision", "recall", "support", title="per intent (worst first)")
    for intent, s in sorted(report.per_intent.items(), key=lambda item: (item[1].f1, item[0])):
        per_intent.add_row(intent, f"{s.f1:.3f}", f"{s.precision:.3f}", f"{s.recall:.3f}", str(s.support))
    console.print(per_intent)
    if report.confused:
        confused = Table("expected", "predicted", "count", title="most confused")
        for gold, predicted, count in report.confused:
            confused.add_row(gold, predicted, str(count))
        console.print(confused)
