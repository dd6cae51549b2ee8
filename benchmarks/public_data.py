"""The public data sets the benchmarks and their tests read, kept in the repository (benchmarks/data/public/).

A clone runs every benchmark with nothing beside it: the in-repo copies are the default, and a
benchmark that was measured on a larger file takes its path with `--bitext PATH`. What each copy
is, where it came from and its licence: benchmarks/data/public/README.md.

The bitext copy is a subset, taken by this module so that it can be taken again:

    python -m benchmarks.public_data Bitext_Sample_Customer_Support_Training_Dataset.csv

keeps `ROWS_PER_INTENT` rows of every intent, drawn with `SEED`, in the source file's order and
with all its columns (a file of the same shape as the full one, so `--bitext` takes either).
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

PUBLIC = Path(__file__).resolve().parent / "data" / "public"
BITEXT_CSV = PUBLIC / "bitext" / "bitext_customer_support_subset.csv"
TATOEBA_DIR = PUBLIC / "tatoeba_cmn_eng"
ROWS_PER_INTENT = 60
SEED = 20240613


def tatoeba_sentences(lang: str, directory: Path = TATOEBA_DIR) -> list[str]:
    """The Tatoeba sentences of one side ("zh" or "en"), line-aligned with the other side's file."""
    suffix = "cmn" if lang == "zh" else "eng"
    lines = (directory / f"tatoeba.cmn-eng.{suffix}").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip()]


def bitext_rows(path: Path = BITEXT_CSV) -> list[dict[str, str]]:
    """The rows of a bitext CSV (the in-repo subset or the full sample: same columns)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def subset_bitext(source: Path, target: Path = BITEXT_CSV, per_intent: int = ROWS_PER_INTENT, seed: int = SEED) -> int:
    """Write `per_intent` rows of each intent of `source` to `target`; returns the rows written.

    Rows are drawn per intent (every intent stays, in equal numbers, as the benchmarks split per
    intent) and written in the source's order, so the subset reads like the original file."""
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = list(reader.fieldnames or []), list(reader)
    by_intent: dict[str, list[int]] = {}
    for position, row in enumerate(rows):
        by_intent.setdefault(row["intent"], []).append(position)
    rng = random.Random(seed)
    kept: set[int] = set()
    for intent in sorted(by_intent):
        positions = by_intent[intent]
        kept.update(rng.sample(positions, min(per_intent, len(positions))))
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows[position] for position in sorted(kept))
    return len(kept)


def main(argv: list[str] | None = None) -> None:
    """Take the bitext subset again from the full sample (only needed if the recipe changes)."""
    parser = argparse.ArgumentParser(description="Write the in-repo bitext subset from the full bitext sample CSV.")
    parser.add_argument("source", type=Path, help="Bitext_Sample_Customer_Support_Training_Dataset.csv")
    parser.add_argument("--per-intent", type=int, default=ROWS_PER_INTENT)
    parser.add_argument("--out", type=Path, default=BITEXT_CSV)
    args = parser.parse_args(argv)
    written = subset_bitext(args.source, args.out, args.per_intent)
    print(f"{written} rows written to {args.out}")


if __name__ == "__main__":
    main()
