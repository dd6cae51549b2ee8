"""Train the Rasa model only when its data or config changed (a fingerprint names the model)."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from kefu.settings import child_environment

BOT_DIR = Path("bot")
NLU_DIR = Path("nlu_data")


class TrainingFailed(Exception):
    pass


def training_inputs(config: Path) -> list[Path]:
    """Everything a trained model depends on: config, domain, rules, NLU data, and the code of
    the custom NLU components the pipeline runs (bot/components)."""
    files = [config, BOT_DIR / "domain.yml"]
    for folder in (BOT_DIR / "data", NLU_DIR):
        files += sorted(p for p in folder.rglob("*") if p.suffix in (".yml", ".yaml"))
    files += sorted((BOT_DIR / "components").glob("*.py"))
    return files


def fingerprint(config: Path) -> str:
    digest = hashlib.sha256()
    for path in training_inputs(config):
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path(models_dir: Path, config: Path) -> Path:
    return models_dir / f"kefu-{fingerprint(config)}.tar.gz"


def train(rasa_venv: Path, config: Path, models_dir: Path, log_file: Path) -> tuple[Path, bool]:
    """Return the model for the current data, training it first if it does not exist yet."""
    target = model_path(models_dir, config)
    if target.exists():
        return target, False
    models_dir.mkdir(parents=True, exist_ok=True)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    command = [
        str(rasa_venv / "bin" / "rasa"),
        "train",
        "--config", str(config),
        "--domain", str(BOT_DIR / "domain.yml"),
        "--data", str(BOT_DIR / "data"), str(NLU_DIR),
        "--out", str(models_dir),
        "--fixed-model-name", target.name.removesuffix(".tar.gz"),
    ]  # fmt: skip
    with log_file.open("ab") as log:
        result = subprocess.run(
            command, stdout=log, stderr=subprocess.STDOUT, check=False, env=child_environment({})
        )
    if result.returncode != 0 or not target.exists():
        raise TrainingFailed(f"rasa train failed (exit {result.returncode}); see {log_file}")
    return target, True
