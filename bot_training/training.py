"""Train the Rasa model only when its data or config changed (a fingerprint names the model).

Paths of the project (config, bot/, nlu_data/) are relative to its root, which defaults to the
current directory: the trainer's page retrains a project that may live elsewhere.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from bot_training.settings import child_environment

BOT_DIR = Path("bot")
NLU_DIR = Path("nlu_data")


class TrainingFailed(Exception):
    pass


def relative_config(config: Path, root: Path) -> Path:
    """The config as a path inside the project: the fingerprint must not depend on where it lives."""
    if config.is_absolute():
        try:
            return config.relative_to(root.resolve())
        except ValueError:
            return config
    return config


def training_inputs(config: Path, root: Path = Path(".")) -> list[Path]:
    """Everything a trained model depends on: config, domain, rules, NLU data, and the code of
    the custom NLU components the pipeline runs (bot/components); relative to `root`."""
    files = [relative_config(config, root), BOT_DIR / "domain.yml"]
    for folder in (BOT_DIR / "data", NLU_DIR):
        found = (root / folder).rglob("*")
        files += sorted(p.relative_to(root) for p in found if p.suffix in (".yml", ".yaml"))
    files += sorted(p.relative_to(root) for p in (root / BOT_DIR / "components").glob("*.py"))
    return files


def fingerprint(config: Path, root: Path = Path(".")) -> str:
    digest = hashlib.sha256()
    for path in training_inputs(config, root):
        digest.update(str(path).encode() + b"\0" + (root / path).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path(models_dir: Path, config: Path, root: Path = Path(".")) -> Path:
    return models_dir / f"kefu-{fingerprint(config, root)}.tar.gz"


def train(
    rasa_venv: Path, config: Path, models_dir: Path, log_file: Path, root: Path = Path(".")
) -> tuple[Path, bool]:
    """Return the model for the current data of the project at `root`, training it first if it
    does not exist yet. `rasa_venv`, `models_dir` and `log_file` are relative to the caller's cwd."""
    target = model_path(models_dir, config, root)
    if target.exists():
        return target, False
    rasa = (rasa_venv / "bin" / "rasa").absolute()
    if not rasa.exists():
        raise TrainingFailed(f"{rasa} not found: run `make setup` to create the Rasa environment")
    models_dir.mkdir(parents=True, exist_ok=True)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    command = [
        str(rasa),
        "train",
        "--config", str(relative_config(config, root)),
        "--domain", str(BOT_DIR / "domain.yml"),
        "--data", str(BOT_DIR / "data"), str(NLU_DIR),
        "--out", str(models_dir.absolute()),
        "--fixed-model-name", target.name.removesuffix(".tar.gz"),
    ]  # fmt: skip
    with log_file.open("ab") as log:
        # In the project's root, like the `rasa` command: custom components import from there.
        result = subprocess.run(
            command, stdout=log, stderr=subprocess.STDOUT, check=False, env=child_environment({}), cwd=root
        )
    if result.returncode != 0 or not target.exists():
        raise TrainingFailed(f"rasa train failed (exit {result.returncode}); see {log_file}")
    return target, True
