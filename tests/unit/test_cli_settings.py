"""A bad KEFU_* value stops the `kefu` command with one line naming it, never a traceback."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("KEFU_RASA_PROCESSES", "0", "KEFU_RASA_PROCESSES=0: Input should be greater than or equal to 1"),
        ("KEFU_PORT", "eighty", "KEFU_PORT=eighty: Input should be a valid integer"),
    ],
)
@pytest.mark.parametrize("command", [["demo"], ["train"], ["nlu", "eval"]])
def test_a_bad_setting_is_named_in_one_line(command: list[str], variable: str, value: str, said: str) -> None:
    run = subprocess.run(
        [str(ROOT / ".venv/bin/kefu"), *command], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, variable: value},
    )  # fmt: skip
    assert run.returncode == 1
    assert said in run.stdout
    assert "Traceback" not in run.stdout + run.stderr
