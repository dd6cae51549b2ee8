"""The trainers' NLU data keeps the rules of nlu_data/README.md (counts, no duplicates, both languages)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

NLU = ROOT / "nlu_data"
HELD_OUT = ROOT / "tests" / "data" / "nlu"
# Phrases the integration tests send: they must stay out of training, so the tests check generalisation.
INTEGRATION_PHRASES = ["你好", "亲，什么时候发货呀", "有优惠券吗", "how long does shipping take?", "do you have any coupons", "转人工"]


def examples_of(path: Path) -> dict[str, list[str]]:
    """intent → examples of one Rasa NLU YAML file (annotations such as [x](entity) removed)."""
    found: dict[str, list[str]] = defaultdict(list)
    for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
        if "intent" in block:
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    text = re.sub(r"\[([^\]]+)\]\([^)]+\)|\[([^\]]+)\]\{[^}]+\}", r"\1\2", line.strip()[2:])
                    found[block["intent"]].append(text.strip())
    return found


def by_language(lang: str) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = defaultdict(list)
    for path in sorted((NLU / lang).glob("*.yml")):
        for intent, texts in examples_of(path).items():
            merged[intent] += texts
    return merged


def domain_intents() -> set[str]:
    return set(yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))["intents"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_domain_intent_has_at_least_25_examples_per_language(lang: str) -> None:
    counts = {intent: len(texts) for intent, texts in by_language(lang).items()}

    assert set(counts) == domain_intents()
    assert {i: n for i, n in counts.items() if n < 25} == {}


def test_both_languages_have_the_same_group_files() -> None:
    assert sorted(p.name for p in (NLU / "zh").glob("*.yml")) == sorted(p.name for p in (NLU / "en").glob("*.yml"))


def test_no_example_is_written_twice_anywhere() -> None:
    every = [t.casefold() for lang in ("zh", "en") for texts in by_language(lang).values() for t in texts]

    assert [t for t, n in Counter(every).items() if n > 1] == []


def test_no_environment_variable_syntax_in_examples() -> None:
    assert [p for p in NLU.rglob("*.yml") if "${" in p.read_text(encoding="utf-8")] == []


def test_held_out_and_integration_phrases_are_not_in_training() -> None:
    training = {t.casefold() for lang in ("zh", "en") for texts in by_language(lang).values() for t in texts}
    held_out = [t.casefold() for p in HELD_OUT.glob("*.yml") for texts in examples_of(p).values() for t in texts]

    assert held_out, "the held-out sets are missing"
    assert [t for t in held_out if t in training] == []
    assert [t for t in INTEGRATION_PHRASES if t.casefold() in training] == []
