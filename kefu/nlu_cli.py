"""`kefu nlu …`: the trainer's commands for the bot's language understanding."""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot_training.nlu_eval import Evaluation, EvaluationFailed, cross_validate, evaluate
from bot_training.nlu_files import BotProject, NluFileError, add_example
from bot_training.nlu_validate import (
    DEFAULT_MIN_EXAMPLES,
    Finding,
    count_by_severity,
    validate,
)
from kb_index.encoder import Encoder
from kefu.settings import DemoSettings, SettingsError, demo_settings

nlu_app = typer.Typer(
    help="The bot's language understanding: add and validate examples, evaluate pipelines.", no_args_is_help=True
)
console = Console(soft_wrap=True)


@nlu_app.command("eval")
def eval_command(
    train: Annotated[Path | None, typer.Option("--train", help="Rasa NLU YAML (file or folder) to train on.")] = None,
    test: Annotated[Path | None, typer.Option("--test", help="Rasa NLU YAML to report on.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Rasa config whose pipeline is trained.")] = None,
    folds: Annotated[int, typer.Option(help="Folds of the cross-validation (no --train/--test).")] = 5,
    data: Annotated[Path, typer.Option(help="NLU data cross-validated when no --train/--test.")] = Path("nlu_data"),
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document instead of tables.")] = False,
    per_intent: Annotated[
        bool, typer.Option("--per-intent", help="Show every intent weakest first, recall with its interval (JSON: weakest_intents).")
    ] = False,
) -> None:
    """Train the NLU pipeline of bot/config.yml on --train and score it on --test.

    Every headline figure comes with its 95 % bootstrap interval (test examples resampled 1,000 times).

    Without --train/--test: stratified cross-validation on nlu_data. Test examples labelled
    `out_of_scope` count as right when the pipeline predicts out_of_scope or nlu_fallback.
    """
    settings = settings_or_exit()
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
        payload = result.as_json()
        if per_intent:
            payload["weakest_intents"] = result.report.weakest
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        show(result, what, config, per_intent)


def show(result: Evaluation, what: str, config: Path, intervals: bool = False) -> None:
    """Headline scores with their intervals, then per-intent F1 (worst first; with `intervals`,
    recall's interval and what each intent was mistaken for), then the most confused pairs."""
    report = result.report
    pct = lambda v: "–" if v is None else f"{100 * v:.1f} %"  # noqa: E731

    def ci(key: str, percent: bool = True) -> str:
        low_high = report.ci.get(key)
        if not low_high:
            return ""
        return f"  (95 % CI {100 * low_high[0]:.1f}–{100 * low_high[1]:.1f} %)" if percent else f"  (95 % CI {low_high[0]:.3f}–{low_high[1]:.3f})"

    console.print(f"[bold]{what}[/bold] with the pipeline of {config}: {report.n} test examples")
    headline = Table(show_header=False, box=None)
    for name, value in (
        ("intent accuracy", pct(report.accuracy) + ci("accuracy")),
        ("macro-F1", f"{report.macro_f1:.3f}" + ci("macro_f1", percent=False)),
        ("in-scope accuracy", pct(report.in_scope_accuracy) + ci("in_scope_accuracy")),
        ("out-of-scope recall", pct(report.oos_recall) + ci("oos_recall")),
        ("training", " + ".join(f"{s:.0f}s" for s in result.train_seconds)),
    ):
        headline.add_row(name, value)
    console.print(headline)
    if intervals:
        per_intent = Table("intent", "F1", "recall [95 % CI]", "support", "mistaken for", title="per intent (weakest first)")
        for row in report.weakest:
            low_high = row["recall_ci"] or [row["recall"], row["recall"]]
            per_intent.add_row(
                row["intent"], f"{row['f1']:.3f}", f"{row['recall']:.3f} [{low_high[0]:.2f}–{low_high[1]:.2f}]",
                str(row["support"]), row["mistaken_for"] or "",
            )  # fmt: skip
    else:
        per_intent = Table("intent", "F1", "precision", "recall", "support", title="per intent (worst first)")
        for intent, s in sorted(report.per_intent.items(), key=lambda item: (item[1].f1, item[0])):
            per_intent.add_row(intent, f"{s.f1:.3f}", f"{s.precision:.3f}", f"{s.recall:.3f}", str(s.support))
    console.print(per_intent)
    if report.confused:
        confused = Table("expected", "predicted", "count", title="most confused")
        for gold, predicted, count in report.confused:
            confused.add_row(gold, predicted, str(count))
        console.print(confused)


@nlu_app.command("add")
def add_command(
    intent: Annotated[str, typer.Argument(help="The intent the message means, e.g. ask_coupon.")],
    text: Annotated[str, typer.Argument(help="The example, as a shopper typed it.")],
    lang: Annotated[str | None, typer.Option("--lang", help="zh or en (detected from the text when omitted).")] = None,
    new_intent: Annotated[
        bool, typer.Option("--new-intent", help="Create the intent (custom group, domain, a rule to the knowledge base).")
    ] = False,
    root: Annotated[Path, typer.Option("--root", help="The kefu project (repository) to edit.")] = Path("."),
) -> None:
    """Add one NLU example to the file where its intent lives (a one-line change)."""
    project = BotProject(root)
    try:
        example = add_example(project, intent, text, lang, new_intent=new_intent)
    except NluFileError as exc:
        console.print(f"[bold red]✗[/bold red] {exc}", highlight=False)
        raise typer.Exit(1) from exc
    where = example.path.relative_to(root) if example.path.is_relative_to(root) else example.path
    console.print(f"[green]✓[/green] {example.intent} ({example.lang}): {where}:{example.line}", highlight=False)
    if new_intent:
        console.print(
            f"  {intent} is in bot/domain.yml and bot/data/rules/custom.yml (answered from the knowledge base);"
            f" draft its answer with `kefu kb add --category drafts …`",
            highlight=False,
        )
    console.print("  check with `kefu nlu validate`, then retrain with `kefu train`", highlight=False)


@nlu_app.command("validate")
def validate_command(
    no_rasa: Annotated[bool, typer.Option("--no-rasa", help="Skip Rasa's own `rasa data validate`.")] = False,
    no_encoder: Annotated[bool, typer.Option("--no-encoder", help="Skip the near-duplicate check (loads the encoder).")] = False,
    min_examples: Annotated[
        int, typer.Option("--min-examples", help="Warn about intents with fewer examples than this in a language.")
    ] = DEFAULT_MIN_EXAMPLES,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as one JSON list.")] = False,
    root: Annotated[Path, typer.Option("--root", help="The kefu project (repository) to check.")] = Path("."),
) -> None:
    """Check nlu_data: duplicates and conflicts, counts, languages, near-duplicates, domain and rules, then Rasa.

    Exits with 1 when there is any error.
    """
    project = BotProject(root.resolve())
    settings = settings_or_exit()
    encoder = None
    findings: list[Finding] = []
    try:
        with console.status("Checking the NLU data…") if not as_json else nullcontext():
            if not no_encoder:
                encoder, problem = _encoder()
                findings += problem
            rasa = None if no_rasa else settings.rasa_venv.resolve() / "bin" / "rasa"
            if rasa is not None and not rasa.exists():
                findings.append(Finding("error", "rasa", f"{rasa} not found: run `make setup`, or skip with --no-rasa"))
                rasa = None
            findings = validate(project, min_examples=min_examples, encoder=encoder, rasa=rasa) + findings
    except NluFileError as exc:
        console.print(f"[bold red]✗[/bold red] {exc}", highlight=False)
        raise typer.Exit(1) from exc
    if as_json:
        typer.echo(json.dumps([f.as_json(project.root) for f in findings], ensure_ascii=False, indent=2))
    else:
        show_findings(findings, project.root)
    if any(f.severity == "error" for f in findings):
        raise typer.Exit(1)


def _encoder() -> tuple[Encoder | None, list[Finding]]:
    from kb_index.encoder import (
        load_encoder,  # torch: imported only when the check runs
    )
    from kb_index.errors import EncoderUnavailable
    from kb_index.settings import KbSettings

    try:
        return load_encoder(KbSettings().model), []
    except EncoderUnavailable as exc:
        return None, [Finding("warning", "near_duplicate", f"near-duplicate check skipped: {exc}")]


def show_findings(findings: list[Finding], root: Path) -> None:
    """One table per severity, errors first, then a one-line verdict."""
    counts = count_by_severity(findings)
    for severity, style in (("error", "bold red"), ("warning", "yellow")):
        rows = [f for f in findings if f.severity == severity]
        if not rows:
            continue
        table = Table("where", "check", "finding", title=f"[{style}]{len(rows)} {severity}(s)[/{style}]", title_justify="left")
        for finding in rows:
            table.add_row(finding.where(root) or "–", finding.kind, finding.message)
        console.print(table)
    if counts["error"]:
        console.print(f"[bold red]✗[/bold red] {counts['error']} error(s), {counts['warning']} warning(s)")
    else:
        console.print(f"[green]✓[/green] no errors ({counts['warning']} warning(s))")


def settings_or_exit() -> DemoSettings:
    """The `kefu` command's settings, or a one-line error naming the bad KEFU_* value."""
    try:
        return demo_settings()
    except SettingsError as exc:
        console.print(f"[bold red]✗[/bold red] {exc}", highlight=False)
        raise typer.Exit(1) from exc
