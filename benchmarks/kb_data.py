"""The data sets of the knowledge-base benchmark, built the same way on every run (fixed seeds).

- `bitext`: the 27 intents of the bitext CSV (by default the in-repo subset of
  benchmarks/data/public/bitext/, see benchmarks/public_data.py) as a knowledge base, one entry per
  intent whose phrasings are a 60 % train split (`bitext-5`: only the first 5 of them, the size of a
  hand-written entry); 20 % of each intent is the development split (threshold and
  hybrid tuning), 20 % the test split. No-answer queries: Tatoeba English sentences and invented
  off-topic shopper questions (benchmarks/data/off_topic_en.txt), halves to dev and test.
- `demo-zh` / `demo-en`: the demo knowledge base (knowledge/) with the hand-written queries of
  benchmarks/data/{zh,en}_queries.jsonl (every third line to dev, the rest to test), plus Tatoeba
  sentences of that language as extra no-answer queries.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from benchmarks.public_data import BITEXT_CSV, bitext_rows, tatoeba_sentences
from kb_index.evaluation import Query, load_queries
from kb_index.knowledge import KnowledgeEntry, load_knowledge

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SEED = 13


@dataclass(frozen=True)
class Suite:
    """A knowledge base with development and test queries, and the language Rasa is trained in."""

    name: str
    lang: str
    entries: list[KnowledgeEntry]
    dev: list[Query]
    test: list[Query]

    def rasa_examples(self) -> dict[str, list[str]]:
        """Entry id → the phrasings in this suite's language: Rasa's training data (kefu indexes all)."""
        return {e.id: e.questions[self.lang] for e in self.entries if self.lang in e.questions}


def _no_answer(texts: list[str]) -> list[Query]:
    return [Query(t, None) for t in texts]


def bitext_suite(
    train_share: float = 0.6,
    dev_share: float = 0.2,
    tatoeba_per_split: int = 150,
    phrasings: int | None = None,
    bitext_csv: Path = BITEXT_CSV,
) -> Suite:
    """`phrasings` keeps only that many train phrasings per entry, as in a store's hand-written KB;
    `bitext_csv` is another file of bitext's columns (the full sample, for the older figures)."""
    by_intent: dict[str, list[tuple[str, str]]] = {}
    for row in bitext_rows(bitext_csv):
        by_intent.setdefault(row["intent"], []).append((row["instruction"].strip(), row["response"].strip()))
    rng = random.Random(SEED)
    entries, dev, test = [], [], []
    for intent in sorted(by_intent):
        rows = list(dict.fromkeys(by_intent[intent]))
        rng.shuffle(rows)
        n_train, n_dev = int(len(rows) * train_share), int(len(rows) * dev_share)
        train = rows[:n_train][:phrasings]
        entries.append(
            KnowledgeEntry(
                id=intent,
                category="bitext",
                questions={"en": list(dict.fromkeys(text for text, _ in train))},
                answer={"en": train[0][1]},
                source=f"bitext:{intent}",
            )
        )
        dev += [Query(text, intent) for text, _ in rows[n_train : n_train + n_dev]]
        test += [Query(text, intent) for text, _ in rows[n_train + n_dev :]]
    tatoeba = tatoeba_sentences("en")
    rng.shuffle(tatoeba)
    off_topic = [line.strip() for line in (DATA / "off_topic_en.txt").read_text().splitlines() if line.strip()]
    dev += _no_answer(tatoeba[:tatoeba_per_split] + off_topic[0::2])
    test += _no_answer(tatoeba[tatoeba_per_split : 2 * tatoeba_per_split] + off_topic[1::2])
    return Suite("bitext" if phrasings is None else f"bitext-{phrasings}", "en", entries, dev, test)


def demo_suite(lang: str, knowledge_dir: Path = ROOT / "knowledge", tatoeba_per_split: int = 50) -> Suite:
    entries = load_knowledge(knowledge_dir)
    queries = load_queries(DATA / f"{lang}_queries.jsonl")
    tatoeba = tatoeba_sentences(lang)
    # The other half of Tatoeba than bitext's English draw is irrelevant here: another language or another KB.
    random.Random(SEED + 1).shuffle(tatoeba)
    dev = [q for i, q in enumerate(queries) if i % 3 == 0] + _no_answer(tatoeba[:tatoeba_per_split])
    test = [q for i, q in enumerate(queries) if i % 3 != 0] + _no_answer(
        tatoeba[tatoeba_per_split : 2 * tatoeba_per_split]
    )
    return Suite(f"demo-{lang}", lang, entries, dev, test)


def all_suites(bitext_csv: Path = BITEXT_CSV) -> list[Suite]:
    """Every suite of the benchmark; `bitext_csv` chooses the bitext file (the in-repo subset by default)."""
    return [
        bitext_suite(bitext_csv=bitext_csv),
        bitext_suite(phrasings=5, bitext_csv=bitext_csv),
        demo_suite("zh"),
        demo_suite("en"),
    ]


def write_contract_files(suite: Suite, directory: Path, split: str = "test") -> tuple[Path, Path]:
    """The suite as `kefu kb eval` files (KB.jsonl, Q.jsonl), so anyone can rerun it with the CLI."""
    directory.mkdir(parents=True, exist_ok=True)
    kb_path, q_path = directory / f"{suite.name}-kb.jsonl", directory / f"{suite.name}-{split}.jsonl"
    with kb_path.open("w", encoding="utf-8") as kb:
        for entry in suite.entries:
            for lang, questions in entry.questions.items():
                row = {"id": entry.id, "lang": lang, "questions": questions, "answer": entry.answer_in(lang)}
                kb.write(json.dumps(row, ensure_ascii=False) + "\n")
    with q_path.open("w", encoding="utf-8") as out:
        for query in getattr(suite, split):
            out.write(json.dumps({"text": query.text, "expected_id": query.expected_id}, ensure_ascii=False) + "\n")
    return kb_path, q_path
