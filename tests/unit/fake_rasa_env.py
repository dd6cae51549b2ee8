"""A stand-in for the Rasa environment (`.venv-rasa`) at its process seam: `bin/rasa train` and
`bin/python rasa_nlu_predict.py --model …` as executables, with a "model" that is a JSON file
mapping every training example to its intent (anything else falls back). Enough to run
bot_training.retrain end to end in a unit test, in seconds instead of minutes."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

COMMON = """\
import json, sys
from pathlib import Path
import yaml

def examples(path):
    for block in (yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}).get("nlu", []):
        for line in str(block.get("examples", "")).splitlines():
            if line.strip().startswith("- ") and block.get("intent"):
                yield line.strip()[2:].strip(), block["intent"]
"""

RASA = COMMON + """
args = sys.argv[1:]
assert args[0] == "train", args
out = Path(args[args.index("--out") + 1])
name = args[args.index("--fixed-model-name") + 1]
model = {}
for folder in args[args.index("--data") + 1 : args.index("--out")]:
    for path in sorted(Path(folder).rglob("*.yml")):
        model.update(dict(examples(path)))
out.mkdir(parents=True, exist_ok=True)
(out / f"{name}.tar.gz").write_text(json.dumps(model, ensure_ascii=False), encoding="utf-8")
"""

PYTHON = COMMON + """
args = sys.argv[2:]  # argv[1] is kefu/rasa_nlu_predict.py
value = lambda flag: args[args.index(flag) + 1] if flag in args else None
model = json.loads(Path(value("--model")).read_text(encoding="utf-8"))
sources = [(args[i + 1], list(examples(args[i + 1]))) for i, a in enumerate(args) if a == "--test"]
if value("--pairs"):
    sources.append(("pairs", json.loads(Path(value("--pairs")).read_text(encoding="utf-8"))))
runs = [
    {"fold": None, "source": source, "train_seconds": 0.0, "parse_seconds": 0.01,
     "predictions": [{"text": t, "gold": g, "predicted": model.get(t, "nlu_fallback"),
                      "confidence": 0.9 if t in model else 0.2} for t, g in pairs]}
    for source, pairs in sources
]
Path(value("--out")).write_text(json.dumps({"runs": runs}, ensure_ascii=False), encoding="utf-8")
"""


def fake_rasa_venv(directory: Path) -> Path:
    """`directory/bin/rasa` and `directory/bin/python`, run by this test session's interpreter."""
    bin_dir = directory / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name, body in (("rasa", RASA), ("python", PYTHON)):
        script = bin_dir / name
        script.write_text(f"#!{sys.executable}\n" + body, encoding="utf-8")
        script.chmod(0o755)
    return directory


def write_nlu(path: Path, intents: dict[str, list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    blocks = "".join(
        f"  - intent: {intent}\n    examples: |\n" + "".join(f"      - {e}\n" for e in examples)
        for intent, examples in intents.items()
    )
    path.write_text('version: "3.1"\nnlu:\n' + blocks, encoding="utf-8")
    return path


def fake_model(path: Path, knows: dict[str, str]) -> Path:
    """A "trained model" that recognises exactly the texts in `knows`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(knows, ensure_ascii=False), encoding="utf-8")
    return path


def small_project(root: Path, training: dict[str, list[str]], held_out: dict[str, list[str]]) -> Path:
    """bot/ (config, domain, a rules file), nlu_data/zh, knowledge/ and tests/data/nlu: a project to retrain."""
    (root / "bot/data").mkdir(parents=True, exist_ok=True)
    (root / "bot/config.yml").write_text("language: zh\npipeline: []\npolicies: []\n", encoding="utf-8")
    (root / "bot/domain.yml").write_text('version: "3.1"\nintents: []\n', encoding="utf-8")
    (root / "bot/data/rules.yml").write_text('version: "3.1"\nrules: []\n', encoding="utf-8")
    write_nlu(root / "nlu_data/zh/main.yml", training)
    write_nlu(root / "tests/data/nlu/zh_test.yml", held_out)
    (root / "knowledge").mkdir(parents=True, exist_ok=True)
    (root / "knowledge/invoices.yml").write_text(
        textwrap.dedent(
            """\
            - id: invoice_how
              category: invoices
              questions:
                zh: [怎么开发票, 可以开发票吗]
                en: [how do I get an invoice]
              answer:
                zh: 下单后在订单详情页申请电子发票。
                en: Request an e-invoice on the order page after you order.
            """
        ),
        encoding="utf-8",
    )
    return root
