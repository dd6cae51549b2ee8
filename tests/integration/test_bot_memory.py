"""Durable bot memory (issue #15): with a PostgreSQL database, the Rasa server keeps its
conversations in Rasa's SQL tracker store (kefu/bot_memory.py); a conversation's slot survives
a restart of the Rasa server and a model switch."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx
import pytest

from benchmarks.handoff_databases import drop_database, postgres_database
from kefu.supervisor import Ports, ProcessSecrets, Supervisor, free_port, kefu_specs
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_a_conversations_slot_survives_a_rasa_restart_and_a_model_switch(test_model: Path, tmp_path: Path):
    os.chdir(ROOT)
    with postgres_database() as database_url:
        ports = Ports(handoff=free_port(), rasa=free_port(), action=free_port())
        secrets = ProcessSecrets()
        specs = kefu_specs(
            "127.0.0.1", ports, test_model, ROOT / ".venv-rasa", tmp_path / "logs",
            handoff_env={"KEFU_DATABASE_URL": database_url}, process_secrets=secrets,
        )  # fmt: skip
        rasa = [spec for spec in specs if spec.name == "rasa"]
        assert rasa[0].env["KEFU_RASA_DB_NAME"].endswith("_rasa")  # the SQL store, in a database of its own
        base = f"http://127.0.0.1:{ports.rasa}"
        token = {"token": secrets.rasa_token}
        slot = {"event": "slot", "name": "order_id", "value": "O-20261203"}

        def slots(http: httpx.Client) -> dict[str, object]:
            tracker = http.get(f"{base}/conversations/c-durable/tracker", params=token)
            assert tracker.status_code == 200, tracker.text
            return tracker.json()["slots"]

        loop = asyncio.new_event_loop()
        try:
            with httpx.Client(timeout=300) as http:
                for step in ("remember", "after a restart"):
                    supervisor = Supervisor(rasa, start_timeout=240)
                    loop.run_until_complete(supervisor.start())
                    try:
                        if step == "remember":
                            told = http.post(f"{base}/conversations/c-durable/tracker/events", params=token, json=slot)
                            assert told.status_code == 200, told.text
                        assert slots(http)["order_id"] == "O-20261203", step
                        if step == "after a restart":
                            switched = http.put(f"{base}/model", params=token, json={"model_file": str(test_model)})
                            assert switched.status_code == 204, switched.text
                            assert slots(http)["order_id"] == "O-20261203", "after a model switch"
                    finally:
                        loop.run_until_complete(supervisor.stop())
        finally:
            loop.close()
            drop_database(rasa[0].env["KEFU_RASA_DB_NAME"])
