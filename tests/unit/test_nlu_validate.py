"""`kefu nlu validate`: each kind of finding on a small project, and (slow) Rasa's own check on ours."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kefu.cli import app
from bot_training.nlu_files import BotProject
from bot_training.nlu_validate import Finding, validate
from tests.conftest import ROOT
from tests.unit.fakes import FakeEncoder

DOMAIN = """\
version: "3.1"
intents:
  - ask_coupon
  - request_human
"""
RULES = """\
version: "3.1"
rules:
  - rule: coupons
    steps:
      - intent: ask_coupon
      - action: action_answer_from_kb
  - rule: a person
    steps:
      - intent: request_human
      - action: action_escalate
"""


def nlu(intents: dict[str, list[str]]) -> str:
    blocks = [f"  - intent: {name}\n    examples: |\n" + "".join(f"      - {t}\n" for t in texts) for name, texts in intents.items()]
    return 'version: "3.1"\nnlu:\n' + "\n".join(blocks)


def make_project(root: Path, zh: dict[str, list[str]], en: dict[str, list[str]], domain: str = DOMAIN) -> BotProject:
    for lang, intents in (("zh", zh), ("en", en)):
        (root / "nlu_data" / lang).mkdir(parents=True)
        (root / "nlu_data" / lang / "main.yml").write_text(nlu(intents), encoding="utf-8")
    (root / "bot" / "data" / "rules").mkdir(parents=True)
    (root / "bot" / "domain.yml").write_text(domain, encoding="utf-8")
    (root / "bot" / "data" / "rules" / "main.yml").write_text(RULES, encoding="utf-8")
    return BotProject(root)


ZH = {"ask_coupon": ["有券吗", "优惠券怎么领"], "request_human": ["转人工", "找客服"]}
EN = {"ask_coupon": ["any coupons", "how do i get a coupon"], "request_human": ["talk to a person", "human pls"]}


def kinds(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.severity, f.kind) for f in findings]


def test_clean_data_has_no_findings(tmp_path: Path) -> None:
    assert validate(make_project(tmp_path, ZH, EN), min_examples=2) == []


def test_the_same_example_in_one_intent_is_a_warning_and_in_two_intents_an_error(tmp_path: Path) -> None:
    zh = {"ask_coupon": ["有券吗", "优惠券怎么领", "有券吗 "], "request_human": ["转人工", "找客服", "ＡＮＹ COUPONS"]}
    project = make_project(tmp_path, zh, EN)

    findings = validate(project, min_examples=2)

    assert kinds(findings) == [("error", "conflict"), ("warning", "duplicate"), ("warning", "language")]
    conflict = findings[0]
    assert "ask_coupon" in conflict.message and "request_human" in conflict.message
    assert conflict.where(tmp_path) == "nlu_data/en/main.yml:5"
    assert findings[1].where(tmp_path) == "nlu_data/zh/main.yml:7"


def test_intents_with_few_examples_in_a_language_are_warned_about(tmp_path: Path) -> None:
    en = {"ask_coupon": ["any coupons"], "request_human": ["talk to a person", "human pls"]}
    project = make_project(tmp_path, ZH, en, domain=DOMAIN + "  - ask_invoice\n")

    findings = validate(project, min_examples=2)

    messages = sorted(f.message for f in findings if f.kind == "few_examples")
    assert len(messages) == 3
    assert messages[0].startswith("ask_coupon has 1 en example")
    assert all(f.severity == "warning" for f in findings)
    assert {m.split()[0] for m in messages} == {"ask_coupon", "ask_invoice"}


def test_messages_in_the_other_languages_folder_are_warned_about_but_mixed_ones_are_fine(tmp_path: Path) -> None:
    zh = {"ask_coupon": ["有券吗", "有没有coupon", "any coupons today"], "request_human": ["转人工", "找客服"]}
    en = {"ask_coupon": ["any coupons", "any 优惠 today", "有没有优惠券"], "request_human": ["talk to a person", "human pls"]}

    findings = validate(make_project(tmp_path, zh, en), min_examples=2)

    assert sorted((f.where(tmp_path), f.kind) for f in findings) == [
        ("nlu_data/en/main.yml:7", "language"),
        ("nlu_data/zh/main.yml:7", "language"),
    ]


def test_intents_the_domain_or_the_rules_do_not_know_are_errors(tmp_path: Path) -> None:
    zh = {**ZH, "ask_gift_wrap": ["能包装成礼物吗", "礼品包装"]}
    en = {**EN, "ask_gift_wrap": ["gift wrap pls", "can you wrap it"]}

    findings = validate(make_project(tmp_path, zh, en), min_examples=2)

    assert kinds(findings) == [("error", "domain"), ("error", "rule")]
    assert all("ask_gift_wrap" in f.message for f in findings)


def test_a_broken_yaml_file_is_an_error_with_its_line(tmp_path: Path) -> None:
    project = make_project(tmp_path, ZH, EN)
    (project.rules_dir / "broken.yml").write_text("rules:\n  - rule: [unclosed\n", encoding="utf-8")

    findings = validate(project, min_examples=2)

    assert kinds(findings) == [("error", "yaml")]
    assert findings[0].where(tmp_path).startswith("bot/data/rules/broken.yml:")


def test_near_duplicates_across_intents_are_listed_in_pairs(tmp_path: Path) -> None:
    project = make_project(tmp_path, ZH, EN)
    same = [1.0, 0.0, 0.0]
    encoder = FakeEncoder(vectors={"优惠券怎么领": same, "找客服": [0.99, 0.1, 0.0], "any coupons": [0.0, 1.0, 0.0]})

    findings = validate(project, min_examples=2, encoder=encoder)

    assert kinds(findings) == [("warning", "near_duplicate")]
    assert "优惠券怎么领" in findings[0].message and "找客服" in findings[0].message
    assert "ask_coupon" in findings[0].message and "request_human" in findings[0].message
    assert sorted(encoder.encoded) == sorted(t for intents in (ZH, EN) for texts in intents.values() for t in texts)


def test_the_command_prints_json_and_exits_1_on_errors(tmp_path: Path) -> None:
    zh = {**ZH, "ask_gift_wrap": ["能包装成礼物吗"]}
    make_project(tmp_path, zh, EN)
    runner = CliRunner()

    result = runner.invoke(app, ["nlu", "validate", "--no-rasa", "--no-encoder", "--json", "--root", str(tmp_path)])

    assert result.exit_code == 1
    found = json.loads(result.stdout)
    assert {(f["severity"], f["kind"]) for f in found} >= {("error", "domain"), ("error", "rule"), ("warning", "few_examples")}
    assert all(f["where"].startswith("nlu_data/") for f in found)

    clean = make_project(tmp_path / "clean", ZH, EN)
    ok = runner.invoke(app, ["nlu", "validate", "--no-rasa", "--no-encoder", "--min-examples", "2", "--root", str(clean.root)])
    assert ok.exit_code == 0, ok.output
    assert "no errors" in ok.output


def test_the_shipped_data_has_no_errors_without_rasa() -> None:
    findings = validate(BotProject(ROOT), min_examples=25)

    assert [f for f in findings if f.severity == "error"] == []
    assert [f for f in findings if f.kind == "few_examples"] == []


@pytest.mark.slow
def test_rasa_validates_a_copy_of_the_shipped_data(tmp_path: Path) -> None:
    rasa = ROOT / ".venv-rasa" / "bin" / "rasa"
    if not rasa.exists():
        pytest.skip("the Rasa environment is not set up (make setup)")
    shutil.copytree(ROOT / "nlu_data", tmp_path / "nlu_data")
    for part in ("data", "components"):
        shutil.copytree(ROOT / "bot" / part, tmp_path / "bot" / part)
    for name in ("domain.yml", "config.yml"):
        shutil.copy(ROOT / "bot" / name, tmp_path / "bot" / name)
    project = BotProject(tmp_path)

    assert [f for f in validate(project, rasa=rasa) if f.kind == "rasa"] == []

    (project.nlu_dir / "zh" / "main.yml").write_text(nlu({"ask_gift_wrap": ["能包装成礼物吗"]}), encoding="utf-8")
    rasa_says = [f for f in validate(project, rasa=rasa) if f.kind == "rasa"]
    assert any("ask_gift_wrap" in f.message for f in rasa_says)
