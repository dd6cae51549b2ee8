"""Trainers add NLU examples and intents by line edits: the diff is the new line, nothing else moves."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kefu.cli import app
from bot_training.nlu_files import (
    BotProject,
    DuplicateExample,
    InvalidIntentName,
    NluFileError,
    UnknownIntent,
    add_example,
    intent_counts,
    load_examples,
)
from tests.conftest import ROOT
from tests.unit.test_nlu_data import examples_of


@pytest.fixture
def project(tmp_path: Path) -> BotProject:
    shutil.copytree(ROOT / "nlu_data", tmp_path / "nlu_data")
    (tmp_path / "bot").mkdir()
    shutil.copytree(ROOT / "bot" / "data", tmp_path / "bot" / "data")
    for name in ("domain.yml", "config.yml"):
        shutil.copy(ROOT / "bot" / name, tmp_path / "bot" / name)
    return BotProject(tmp_path)


def snapshot(root: Path) -> dict[Path, bytes]:
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def changed_files(before: dict[Path, bytes], root: Path) -> set[Path]:
    after = snapshot(root)
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


def test_examples_are_read_with_their_file_and_line(project: BotProject) -> None:
    examples = load_examples(project)
    by_yaml = sum(len(t) for p in project.nlu_dir.rglob("*.yml") for t in examples_of(p).values())

    assert len(examples) == by_yaml
    first = next(e for e in examples if e.intent == "ask_coupon" and e.lang == "zh")
    assert first.path.read_text(encoding="utf-8").splitlines()[first.line - 1].strip() == f"- {first.text}"
    assert intent_counts(project)["ask_coupon"]["zh"] == len(examples_of(project.nlu_dir / "zh" / "coupons.yml")["ask_coupon"])


def test_adding_an_example_inserts_exactly_one_line(project: BotProject) -> None:
    before = snapshot(project.root)
    path = project.nlu_dir / "zh" / "coupons.yml"
    old_lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    count = intent_counts(project)["ask_coupon"]["zh"]

    example = add_example(project, "ask_coupon", "新人有没有专享券呀")

    new_lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert (example.path, example.lang) == (path, "zh")
    assert new_lines[example.line - 1] == "      - 新人有没有专享券呀\n"
    assert new_lines[: example.line - 1] + new_lines[example.line :] == old_lines
    assert changed_files(before, project.root) == {Path("nlu_data/zh/coupons.yml")}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["version"] == "3.1"
    assert examples_of(path)["ask_coupon"][-1] == "新人有没有专享券呀"
    assert intent_counts(project)["ask_coupon"]["zh"] == count + 1


def test_the_language_is_detected_from_the_text(project: BotProject) -> None:
    english = add_example(project, "ask_coupon", "got any promo code for first order")
    mixed = add_example(project, "ask_coupon", "有没有first order的coupon")

    assert english.lang == "en" and english.path == project.nlu_dir / "en" / "coupons.yml"
    assert mixed.lang == "zh" and mixed.path == project.nlu_dir / "zh" / "coupons.yml"


def test_texts_yaml_would_misread_elsewhere_are_written_literally(project: BotProject) -> None:
    texts = ["#1 question: coupons?", "'quoted' & *starred* {braces} [x] -dash", "yes: no"]
    for text in texts:
        add_example(project, "ask_coupon", text, "en")

    assert examples_of(project.nlu_dir / "en" / "coupons.yml")["ask_coupon"][-3:] == texts


def test_a_duplicate_is_refused_naming_the_intent_it_belongs_to(project: BotProject) -> None:
    taken = next(e for e in load_examples(project) if e.intent == "request_human" and e.lang == "en")
    before = snapshot(project.root)

    with pytest.raises(DuplicateExample) as refused:
        add_example(project, "ask_coupon", f"  {taken.text.upper()} ")

    assert refused.value.intent == "request_human"
    assert "request_human" in str(refused.value)
    assert changed_files(before, project.root) == set()


def test_an_unknown_intent_is_refused_unless_it_is_new(project: BotProject) -> None:
    before = snapshot(project.root)

    with pytest.raises(UnknownIntent, match="ask_gift_wrap"):
        add_example(project, "ask_gift_wrap", "能包装成礼物吗")

    assert changed_files(before, project.root) == set()


@pytest.mark.parametrize("text", ["", "   ", "two\nlines", "cost ${PRICE}", "bell \x07"])
def test_bad_text_is_refused(project: BotProject, text: str) -> None:
    before = snapshot(project.root)

    with pytest.raises(NluFileError):
        add_example(project, "ask_coupon", text, "en")

    assert changed_files(before, project.root) == set()


@pytest.mark.parametrize("name", ["AskGift", "ask-gift", "gift", "nlu_fallback", "ask gift", "ask_礼物"])
def test_a_new_intent_needs_a_verb_object_name(project: BotProject, name: str) -> None:
    with pytest.raises(InvalidIntentName):
        add_example(project, name, "能包装成礼物吗", new_intent=True)


def test_a_new_intent_goes_to_the_custom_group_the_domain_and_a_kb_rule(project: BotProject) -> None:
    before = snapshot(project.root)
    domain_lines = project.domain.read_text(encoding="utf-8").splitlines(keepends=True)

    zh = add_example(project, "ask_gift_wrap", "能包装成礼物吗", new_intent=True)
    en = add_example(project, "ask_gift_wrap", "can you gift wrap it")

    assert zh.path == project.nlu_dir / "zh" / "custom.yml"
    assert en.path == project.nlu_dir / "en" / "custom.yml"
    assert examples_of(zh.path) == {"ask_gift_wrap": ["能包装成礼物吗"]}
    assert examples_of(en.path) == {"ask_gift_wrap": ["can you gift wrap it"]}
    domain = project.domain.read_text(encoding="utf-8").splitlines(keepends=True)
    assert [line for line in domain if line not in domain_lines] == ["  - ask_gift_wrap\n"]
    assert len(domain) == len(domain_lines) + 1
    assert "ask_gift_wrap" in yaml.safe_load("".join(domain))["intents"]
    rules = yaml.safe_load((project.rules_dir / "custom.yml").read_text(encoding="utf-8"))["rules"]
    assert [r["steps"] for r in rules] == [[{"intent": "ask_gift_wrap"}, {"action": "action_answer_from_kb"}]]
    assert changed_files(before, project.root) == {
        Path("nlu_data/zh/custom.yml"),
        Path("nlu_data/en/custom.yml"),
        Path("bot/domain.yml"),
        Path("bot/data/rules/custom.yml"),
    }


def test_a_second_new_intent_is_appended_to_the_same_files(project: BotProject) -> None:
    add_example(project, "ask_gift_wrap", "能包装成礼物吗", new_intent=True)
    add_example(project, "ask_store_hours", "你们几点下班", new_intent=True)

    assert list(examples_of(project.nlu_dir / "zh" / "custom.yml")) == ["ask_gift_wrap", "ask_store_hours"]
    rules = yaml.safe_load((project.rules_dir / "custom.yml").read_text(encoding="utf-8"))["rules"]
    assert [r["steps"][0]["intent"] for r in rules] == ["ask_gift_wrap", "ask_store_hours"]
    intents = yaml.safe_load(project.domain.read_text(encoding="utf-8"))["intents"]
    assert intents[-2:] == ["ask_gift_wrap", "ask_store_hours"]


def test_an_intent_in_one_language_gets_the_same_group_file_in_the_other(project: BotProject) -> None:
    (project.nlu_dir / "en" / "invoices.yml").unlink()

    example = add_example(project, "ask_invoice", "can I get a receipt for my order pls")

    assert example.path == project.nlu_dir / "en" / "invoices.yml"
    assert example.path.read_text(encoding="utf-8").startswith('version: "3.1"\nnlu:\n')
    assert examples_of(example.path) == {"ask_invoice": ["can I get a receipt for my order pls"]}


def test_new_intent_for_an_existing_intent_just_adds_the_example(project: BotProject) -> None:
    before = snapshot(project.root)

    add_example(project, "ask_coupon", "any promo for students", new_intent=True)

    assert changed_files(before, project.root) == {Path("nlu_data/en/coupons.yml")}


def test_the_command_says_where_it_wrote_and_refuses_in_one_line(project: BotProject) -> None:
    runner = CliRunner()
    root = str(project.root)

    added = runner.invoke(app, ["nlu", "add", "ask_coupon", "新人有没有专享券呀", "--root", root])
    again = runner.invoke(app, ["nlu", "add", "ask_coupon", "新人有没有专享券呀", "--root", root])
    unknown = runner.invoke(app, ["nlu", "add", "ask_gift_wrap", "gift wrap pls", "--root", root])
    created = runner.invoke(app, ["nlu", "add", "ask_gift_wrap", "gift wrap pls", "--lang", "en", "--new-intent", "--root", root])

    assert added.exit_code == 0, added.output
    assert "nlu_data/zh/coupons.yml:" in added.output
    assert again.exit_code == 1 and "already an example of ask_coupon" in again.output
    assert unknown.exit_code == 1 and "--new-intent" in unknown.output
    assert created.exit_code == 0 and "nlu_data/en/custom.yml:5" in created.output


def test_a_new_intent_is_listed_after_intents_written_with_options(project: BotProject) -> None:
    text = project.domain.read_text(encoding="utf-8")
    project.domain.write_text(text.replace("  - out_of_scope\n", "  - out_of_scope:\n      use_entities: []\n"), encoding="utf-8")

    add_example(project, "ask_gift_wrap", "能包装成礼物吗", new_intent=True)

    intents = yaml.safe_load(project.domain.read_text(encoding="utf-8"))["intents"]
    assert intents[-2:] == [{"out_of_scope": {"use_entities": []}}, "ask_gift_wrap"]
