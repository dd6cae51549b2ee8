"""`kefu kb …`: build and query the knowledge-base index from a terminal."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress

from kb_index.authoring import add_entry, add_question
from kb_index.encoder import load_encoder
from kb_index.errors import KnowledgeError, KnowledgeFileError
from kb_index.evaluation import evaluate, load_kb_jsonl, load_queries
from kb_index.index import MANIFEST_FILE
from kb_index.language import detect_language
from kb_index.search import KnowledgeSearcher
from kb_index.settings import KbSettings

app = typer.Typer(help="Knowledge base: add entries, build the index, search it.", no_args_is_help=True)
console = Console(stderr=True)


def fail(exc: KnowledgeError) -> typer.Exit:
    """Print every problem (a bad file lists all its `file:line` problems at once) and exit 1."""
    for problem in exc.problems if isinstance(exc, KnowledgeFileError) else [str(exc)]:
        console.print(f"[red]{problem}[/red]", highlight=False)
    return typer.Exit(1)


def _open(
    settings: KbSettings, force: bool = False, progress: Callable[[int, int], None] | None = None
) -> tuple[KnowledgeSearcher, bool]:
    try:
        encoder = load_encoder(settings.model)
        if force:
            (settings.index_dir / MANIFEST_FILE).unlink(missing_ok=True)
        return KnowledgeSearcher.open(
            settings.knowledge_dir,
            settings.index_dir,
            encoder,
            settings.threshold,
            hybrid_weight=settings.hybrid_weight,
            progress=progress,
        )
    except KnowledgeError as exc:
        raise fail(exc) from exc


@app.command()
def build(force: bool = typer.Option(False, help="Rebuild from scratch even if the saved index is usable.")) -> None:
    """Bring the index in line with the knowledge files, encoding only entries that changed."""
    settings = KbSettings()
    started = time.perf_counter()
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("Encoding phrasings", total=None)
        searcher, changed = _open(settings, force, progress=lambda done, total: bar.update(task, completed=done, total=total))
    elapsed = time.perf_counter() - started
    update = searcher.update
    if update.full_rebuild:
        state = f"built from scratch ({update.encoded} phrasings encoded)"
    elif changed:
        state = (
            f"updated: {len(update.added)} added, {len(update.changed)} changed, {len(update.removed)} removed "
            f"({update.encoded} phrasings encoded)"
        )
    else:
        state = "up to date"
    console.print(
        f"index {state}: {len(searcher.entries)} entries, {searcher.index.rows} phrasings, {searcher.index.kind} index, "
        f"model {searcher.encoder.name}, {elapsed:.1f}s → {settings.index_dir}"
    )
    if searcher.choice is not None:
        console.print(f"ranking: {searcher.choice.describe()}", highlight=False)
    calibration = searcher.calibration()
    if calibration is not None:
        console.print(
            f"{calibration.describe()}; in use: {searcher.threshold} (set KEFU_KB_THRESHOLD to change it)", highlight=False
        )


@app.command()
def search(
    text: str,
    k: int = typer.Option(5, help="How many entries to show."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Search the knowledge base as the bot would, showing the answer/abstain decision."""
    searcher, _ = _open(KbSettings())
    result = searcher.search(text, k=k)
    if as_json:
        payload = {
            "decision": result.decision,
            "threshold": searcher.threshold,
            "hits": [
                {"id": h.entry.id, "score": round(h.score, 4), "category": h.entry.category, "answer": h.entry.answer}
                for h in result.hits
            ],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return
    typer.echo(f"decision: {result.decision} (threshold {searcher.threshold})")
    for hit in result.hits:
        typer.echo(f"{hit.score:.3f}  {hit.entry.id:<24} {hit.entry.answer_in('zh')[:60]}")


@app.command("eval")
def eval_command(
    kb: Path = typer.Option(..., "--kb", exists=True, dir_okay=False, help="KB.jsonl: {id, lang, questions, answer} a line."),
    queries: Path = typer.Option(..., "--queries", exists=True, dir_okay=False, help="Q.jsonl: {text, expected_id|null} a line."),
    threshold: float | None = typer.Option(None, help="Abstain threshold (default: KEFU_KB_THRESHOLD)."),
    calibrate_on: bool = typer.Option(
        False, "--calibrate", help="Choose the threshold on these queries (use a development set) and report at it."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    entries_view: bool = typer.Option(
        False, "--per-entry", help="Also show each entry's top-1 with its interval, weakest first (JSON: per_entry)."
    ),
) -> None:
    """Measure retrieval and abstention on your own data with the configured encoder.

    Every figure comes with its 95 % bootstrap interval (queries resampled 1,000 times)."""
    settings = KbSettings()
    try:
        entries = load_kb_jsonl(kb)
        rows = load_queries(queries)
        encoder = load_encoder(settings.model)
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("Searching", total=len(rows))
            report = evaluate(
                entries,
                rows,
                encoder,
                settings.threshold if threshold is None else threshold,
                progress=lambda done: bar.update(task, completed=done),
                hybrid_weight=settings.hybrid_weight,
                calibrate_threshold=calibrate_on,
                entries_view=entries_view,
            )
    except KnowledgeError as exc:
        raise fail(exc) from exc
    if as_json:
        typer.echo(report.to_json())
        return
    typer.echo(f"{len(entries)} entries, {report.queries} queries ({report.answerable} answerable), "
               f"model {encoder.name}, threshold {report.threshold}")
    def ci(key: str) -> str:
        low_high = report.ci.get(key)
        return f"  (95 % CI {low_high[0]:.3f}–{low_high[1]:.3f})" if low_high else ""

    typer.echo(f"top-1 accuracy      {report.top1:.3f}{ci('top1')}")
    typer.echo(f"recall@5            {report.recall_at_5:.3f}{ci('recall_at_5')}")
    typer.echo(f"MRR                 {report.mrr:.3f}{ci('mrr')}")
    typer.echo(f"no-answer precision {report.no_answer_precision:.3f}{ci('no_answer_precision')}")
    typer.echo(f"no-answer recall    {report.no_answer_recall:.3f}{ci('no_answer_recall')}")
    typer.echo(f"search latency      p50 {report.p50_ms:.2f} ms, p99 {report.p99_ms:.2f} ms")
    if report.per_entry is not None:
        typer.echo("\nper entry, weakest first (top-1 with its 95 % interval; what it was mistaken for):")
        for row in report.per_entry[:30]:
            low_high = row["top1_ci"] or [row["top1"], row["top1"]]
            typer.echo(
                f"  {row['top1']:.2f} [{low_high[0]:.2f}–{low_high[1]:.2f}]  {row['id']:<28} {row['queries']:>4} queries"
                + (f"  → {row['mistaken_for']}" if row["mistaken_for"] else "")
            )


@app.command("add")
def add_command(
    category: str = typer.Option(..., "--category", help="Topic; the entry goes to knowledge/<category>.yml ('drafts' for drafts)."),
    question_zh: list[str] = typer.Option([], "--question-zh", help="A Chinese phrasing (repeat the option for more)."),
    question_en: list[str] = typer.Option([], "--question-en", help="An English phrasing (repeat the option for more)."),
    answer_zh: str = typer.Option("", "--answer-zh", help="The answer in Chinese (required)."),
    answer_en: str = typer.Option("", "--answer-en", help="The answer in English (required)."),
    entry_id: str | None = typer.Option(None, "--id", help="A stable id; made from the category and a hash when omitted."),
    tags: list[str] = typer.Option([], "--tag", help="A tag (repeat the option for more)."),
) -> None:
    """Add an entry to the knowledge base (checked like `kefu kb build` checks the files)."""
    settings = KbSettings()
    try:
        entry = add_entry(
            settings.knowledge_dir,
            entry_id=entry_id,
            category=category,
            questions={"zh": question_zh, "en": question_en},
            answer={"zh": answer_zh, "en": answer_en},
            tags=tags,
        )
    except KnowledgeError as exc:
        raise fail(exc) from exc
    typer.echo(f"added {entry.id} at {entry.source}; run `kefu kb build` (or `make demo`) to index it")


@app.command("add-question")
def add_question_command(
    entry_id: str = typer.Argument(..., help="The entry's id (see `kefu kb search`)."),
    text: str = typer.Argument(..., help="The new phrasing, as shoppers write it."),
    lang: str | None = typer.Option(None, "--lang", help="zh or en (detected from the text when omitted)."),
) -> None:
    """Add a phrasing to an existing knowledge entry."""
    settings = KbSettings()
    try:
        entry = add_question(settings.knowledge_dir, entry_id, text, lang or detect_language(text))
    except KnowledgeError as exc:
        raise fail(exc) from exc
    typer.echo(f"{entry.id} ({entry.source}) now has {len(entry.all_questions())} phrasings; run `kefu kb build` to index it")


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A .csv or .xlsx file, one entry a row (see `kefu kb export`)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be added, changed and refused; write nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Add and change entries from a spreadsheet; every row is checked like an edit on the knowledge page."""
    from kb_index.editing import MESSAGES
    from kb_index.editing import read_records as read
    from kb_index.transfer import apply_import, import_summary, plan_import, read_rows

    settings = KbSettings()
    try:
        outcomes = plan_import(read_rows(file.read_bytes(), file.name), read(settings.knowledge_dir))
        if not dry_run:
            outcomes = apply_import(settings.knowledge_dir, outcomes)
    except KnowledgeError as exc:
        raise fail(exc) from exc
    summary = import_summary(outcomes)
    if as_json:
        typer.echo(json.dumps({"dry_run": dry_run, **summary}, ensure_ascii=False))
    else:
        for outcome in outcomes:
            why = "; ".join(f"{k}: {MESSAGES.get(v, v)}" for k, v in outcome.reasons.items())
            typer.echo(f"row {outcome.row:>4}  {outcome.status:<9} {outcome.id}" + (f"  ({why})" if why else ""))
        counts = summary["counts"]
        verb = "would be" if dry_run else "were"
        typer.echo(
            f"{counts['added']} {verb} added, {counts['changed']} changed, {counts['unchanged']} unchanged, "
            f"{counts['refused']} refused" + ("" if dry_run else "; run `kefu kb build` to index them")
        )
    if summary["counts"]["refused"]:
        raise typer.Exit(1)


@app.command("export")
def export_command(
    fmt: str = typer.Option("csv", "--format", help="csv or xlsx."),
    output: Path | None = typer.Option(None, "--output", "-o", help="The file to write (default knowledge.<format>)."),
) -> None:
    """Write every entry to a spreadsheet, in the columns `kefu kb import` reads."""
    from kb_index.transfer import FORMATS, export_entries

    if fmt not in FORMATS:
        console.print(f"[red]--format must be one of {', '.join(FORMATS)}[/red]")
        raise typer.Exit(2)
    target = output or Path(f"knowledge.{fmt}")
    try:
        target.write_bytes(export_entries(KbSettings().knowledge_dir, fmt))
    except KnowledgeError as exc:
        raise fail(exc) from exc
    typer.echo(f"wrote {target}")
