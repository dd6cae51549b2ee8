"""`kefu alerts …` on the demo store: `scan --json` lists an alert for every rule kind the demo data
holds (held for the night or sent, whatever the hour), a second scan sends nothing twice, `--dry-run`
changes nothing, `rules validate` names what is wrong, `prefs` records an opt-out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kefu.alerts_cli import app as alerts_cli
from tests.conftest import ROOT

KINDS = {"no_tracking_update", "shipped", "delivery_exception", "presale_delay", "refund_completed"}


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KEFU_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    monkeypatch.setenv("KEFU_STORE_PATH", str(tmp_path / "store.db"))
    monkeypatch.setenv("KEFU_PROJECT_DIR", str(ROOT))
    monkeypatch.setenv("KEFU_ENVIRONMENT", "development")
    for name in ("KEFU_REDIS_URL", "KEFU_STORE_URL", "KEFU_SMTP_HOST", "KEFU_PROACTIVE_RULES_PATH", "KEFU_PROACTIVE_QUIET_HOURS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(alerts_cli, list(args))
    return result.exit_code, result.output


def test_scan_json_lists_an_alert_per_rule_kind_of_the_demo_store_and_never_twice(demo: Path) -> None:
    code, out = run("scan", "--dry-run", "--json")
    assert code == 0, out
    dry = json.loads(out)
    assert dry["dry_run"] is True and {a["kind"] for a in dry["alerts"]} == KINDS
    assert {a["outcome"] for a in dry["alerts"]} <= {"would_send", "deferred"}
    code, out = run("scan", "--json")
    assert code == 0, out
    first = json.loads(out)
    assert {a["kind"] for a in first["alerts"]} == KINDS  # the dry run left everything to do
    assert {a["outcome"] for a in first["alerts"]} <= {"sent", "deferred"}
    stuck = next(a for a in first["alerts"] if a["kind"] == "no_tracking_update")
    assert stuck["order_id"] == "O20261115004" and "60 hours" in stuck["text"]
    code, out = run("scan", "--json")
    again = json.loads(out)
    assert [a for a in again["alerts"] if a["order_id"] in {x["order_id"] for x in first["alerts"]} and a["outcome"] == "sent"] == []


def test_rules_validate_names_the_rule_and_field(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = run("rules", "validate")
    assert code == 0 and "5 rules (5 enabled)" in out
    broken = demo / "rules.yml"
    broken.write_text((ROOT / "proactive/rules.yml").read_text(encoding="utf-8").replace("amount: 15", "amount: 50"), encoding="utf-8")
    monkeypatch.setenv("KEFU_PROACTIVE_RULES_PATH", str(broken))
    code, out = run("rules", "validate")
    assert code == 1
    assert "rules[3] (presale_late).choices[0] (wait_coupon).amount: 50 is above the bot's coupon authority of 15" in out


def test_prefs_records_an_opt_out_that_the_scan_honours(demo: Path) -> None:
    code, out = run("prefs", "C1002", "--opt-out")
    assert code == 0 and "C1002: no proactive messages" in out
    _, out = run("scan", "--json")
    emma = [a for a in json.loads(out)["alerts"] if a["customer_id"] == "C1002"]
    assert [a["outcome"] for a in emma] == ["opted_out"]
    code, out = run("prefs", "C1002", "--channel", "fax")
    assert code != 0 and "choose chat, email or webhook" in out
