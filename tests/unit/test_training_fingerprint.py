"""The Rasa model is named by a fingerprint of its data and config: retrain only when they change."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot_training.training import model_path
from tests.conftest import ROOT

CONFIG = Path("bot/config.yml")
MODELS = Path("var/models")


def copy_project(destination: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "bot", destination / "bot", ignore=ignore)
    shutil.copytree(ROOT / "nlu_data", destination / "nlu_data", ignore=ignore)
    return destination


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(copy_project(tmp_path / "checkout"))
    return tmp_path / "checkout"


def add_example(path: Path, example: str) -> None:
    """Add one example under the file's first intent, as a trainer would."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.lstrip().startswith("- ") and "intent:" not in line)
    indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
    lines.insert(first, f"{indent}- {example}\n")
    path.write_text("".join(lines), encoding="utf-8")


def test_unchanged_data_names_the_same_model(project: Path) -> None:
    first = model_path(MODELS, CONFIG)

    assert model_path(MODELS, CONFIG) == first
    assert first.parent == MODELS
    assert first.name.startswith("kefu-") and first.name.endswith(".tar.gz")


def test_same_data_in_another_checkout_names_the_same_model(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = model_path(MODELS, CONFIG)

    monkeypatch.chdir(copy_project(tmp_path / "other-checkout"))

    assert model_path(MODELS, CONFIG) == here


def test_editing_an_nlu_example_names_a_new_model(project: Path) -> None:
    before = model_path(MODELS, CONFIG)

    add_example(project / "nlu_data/zh/shipping.yml", "到底几时发货")

    assert model_path(MODELS, CONFIG) != before


def test_editing_the_config_names_a_new_model(project: Path) -> None:
    before = model_path(MODELS, CONFIG)

    config = project / CONFIG
    text = config.read_text(encoding="utf-8")
    threshold = re.search(r"threshold: ([\d.]+)", text)
    assert threshold is not None
    config.write_text(text.replace(threshold.group(0), f"threshold: {float(threshold.group(1)) + 0.1:.2f}", 1), encoding="utf-8")

    assert model_path(MODELS, CONFIG) != before


def test_another_config_file_names_another_model(project: Path) -> None:
    assert model_path(MODELS, Path("bot/config.test.yml")) != model_path(MODELS, CONFIG)


def test_adding_a_rules_file_names_a_new_model(project: Path) -> None:
    before = model_path(MODELS, CONFIG)

    (project / "bot/data/rules/orders.yml").write_text('version: "3.1"\nrules: []\n', encoding="utf-8")

    assert model_path(MODELS, CONFIG) != before


def test_undoing_an_edit_names_the_earlier_model_again(project: Path) -> None:
    before = model_path(MODELS, CONFIG)
    shipping = project / "nlu_data/en/shipping.yml"
    original = shipping.read_bytes()

    shipping.write_bytes(original + b"\n")
    assert model_path(MODELS, CONFIG) != before
    shipping.write_bytes(original)

    assert model_path(MODELS, CONFIG) == before


def test_files_that_do_not_shape_the_model_do_not_retrain(project: Path) -> None:
    before = model_path(MODELS, CONFIG)

    (project / "nlu_data/README.md").write_text("trainers' notes changed", encoding="utf-8")
    with (project / "bot/actions/texts.py").open("a", encoding="utf-8") as texts:
        texts.write("\n# a reply reworded: the action server changes, the model does not\n")

    assert model_path(MODELS, CONFIG) == before


def test_changing_a_custom_nlu_component_names_a_new_model(project: Path) -> None:
    before = model_path(MODELS, CONFIG)

    component = project / "bot/components/use_featurizer.py"
    component.write_text(component.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")

    assert model_path(MODELS, CONFIG) != before
