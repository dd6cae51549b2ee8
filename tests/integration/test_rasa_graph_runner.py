"""kefu's Rasa server runs a trained model's graph without dask (bot/server.py): every parse and
every next-action prediction comes out exactly as Rasa's own dask runner gives it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_in_rasa_env

pytestmark = pytest.mark.slow

PROBE = r"""
import asyncio, json, logging, sys
logging.basicConfig(level=logging.WARNING)
from rasa.utils.log_utils import configure_structlog
configure_structlog(logging.WARNING)
from rasa.core.agent import Agent
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered

texts = json.loads(sys.argv[2])

async def outcomes(agent):
    found = []
    for n, text in enumerate(texts):
        parsed = await agent.parse_message(text)
        tracker = agent.processor.tracker_store.init_tracker(f"probe-{n}")
        for event in [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
                      UserUttered(text, parsed["intent"], parsed["entities"], parse_data=parsed)]:
            tracker.update(event)
        prediction = agent.processor.predict_next_with_tracker(tracker)
        found.append({"parsed": parsed, "action": prediction and prediction["scores"][:3],
                      "policy": prediction and prediction["policy"]})
    return found

async def main():
    agent = Agent.load(sys.argv[1])
    dask_results = await outcomes(agent)
    from bot import server
    server.install()
    planned = await outcomes(agent)
    return {"dask": dask_results, "planned": planned, "runner": DaskGraphRunner.run.__module__}

print(json.dumps(asyncio.run(main()), default=str))
"""

TEXTS = ["亲，什么时候发货呀", "my order O20261111002 hasn't arrived", "转人工！！", "asdfgh qwerty", "可以开发票吗😊", "hi"]


@pytest.fixture(scope="module")
def result(test_model: Path) -> dict[str, Any]:
    env = {"KEFU_ACTION_SERVER_URL": "http://127.0.0.1:1/webhook"}
    return run_in_rasa_env(PROBE, str(test_model), json.dumps(TEXTS), env=env, timeout=600)


def test_parses_and_predictions_are_rasas_own(result: dict[str, Any]) -> None:
    assert result["runner"] == "bot.server"
    assert result["planned"] == result["dask"]
    assert {r["parsed"]["intent"]["name"] for r in result["planned"]} >= {"ask_shipping_time", "request_human"}
    assert all(r["policy"] for r in result["planned"])
