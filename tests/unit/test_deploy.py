"""The production files of docs/deploy.md stay true to the code: nginx accepts the proxy
configuration the fault suite runs, the systemd units start modules that exist, and the settings
example names only settings some process reads."""

from __future__ import annotations

import importlib.util
import re
import subprocess
from pathlib import Path

import pytest

from benchmarks.fault_rig import (
    NGINX_CONF,
    RigUnavailable,
    nginx_binary,
    nginx_command,
    render_nginx,
)
from bot.actions.settings import ActionSettings
from handoff_service.settings import Settings
from kb_index.settings import KbSettings
from kefu.bot_memory import bot_memory
from kefu.settings import DemoSettings
from tests.conftest import ROOT

UNITS = ROOT / "deploy/systemd"
ENV_EXAMPLE = ROOT / "deploy/kefu.env.example"


def test_the_proxy_rendered_for_loopback_serves_plain_http_to_both_replicas() -> None:
    site = render_nginx(NGINX_CONF.read_text(), 18080, [18001, 18002])
    assert "listen 127.0.0.1:18080;" in site
    assert "server 127.0.0.1:18001 max_fails=" in site and "server 127.0.0.1:18002 max_fails=" in site
    assert "ssl" not in site and "return 301" not in site
    assert "proxy_set_header Upgrade $http_upgrade;" in site and "client_max_body_size 256k;" in site


def test_nginx_accepts_the_proxy_configuration(tmp_path: Path) -> None:
    try:
        nginx_binary()
    except RigUnavailable as exc:
        pytest.skip(str(exc))
    checked = subprocess.run([*nginx_command(tmp_path, 18080, [18001, 18002]), "-t"], check=False, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_the_production_proxy_terminates_tls_and_redirects_http() -> None:
    conf = NGINX_CONF.read_text()
    assert re.search(r"listen 443 ssl", conf) and "ssl_certificate " in conf and "return 301 https://" in conf


def test_every_unit_starts_a_module_of_this_project() -> None:
    modules = set()
    for unit in UNITS.glob("*.service"):
        modules |= set(re.findall(r"python -m ([\w.]+)", unit.read_text()))
    assert modules == {"handoff_service", "bot.server", "bot.action_server"}
    for module in modules - {"bot.server"}:  # bot.server runs in the Rasa environment
        assert importlib.util.find_spec(module) is not None, module
    assert (ROOT / "bot/server.py").exists()


def test_the_settings_example_names_only_settings_a_process_reads(tmp_path: Path) -> None:
    read = {f"KEFU_{name.upper()}" for name in Settings.model_fields}
    read |= {f"KEFU_{name.upper()}" for name in ActionSettings.model_fields}
    read |= {f"KEFU_KB_{name.upper()}" for name in KbSettings.model_fields}
    read |= set(re.findall(r"\$\{(KEFU_\w+)\}", (ROOT / "bot/endpoints.yml").read_text()))
    read |= {f"KEFU_{name.upper()}" for name in DemoSettings.model_fields}
    # What the Rasa units' endpoints file names (kefu/bot_memory.py), for the deployment of the example.
    memory = bot_memory("postgresql+asyncpg://kefu:pw@127.0.0.1:5432/kefu", "redis://127.0.0.1:6379/0", "auto", tmp_path)
    read |= set(memory.env)
    unit = (UNITS / "kefu-rasa@.service").read_text()
    assert f"--endpoints var/rasa-endpoints/{memory.endpoints.name}" in unit
    named = set(re.findall(r"^(KEFU_\w+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
    assert named - read == set()
    # What production cannot do without is in it.
    for needed in ("KEFU_DATABASE_URL", "KEFU_REDIS_URL", "KEFU_HANDOFF_SECRET", "KEFU_IDENTITY_SECRET", "KEFU_RASA_TOKEN",
                   "KEFU_ACTION_SERVER_TOKEN", "KEFU_ALLOWED_ORIGINS", "KEFU_HANDOFF_URL", "KEFU_RASA_URL"):  # fmt: skip
        assert needed in named, needed
