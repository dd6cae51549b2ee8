"""The bot's own dialogues through the whole real stack: store-backed answers with buttons, and
the escalation policy's reason codes arriving at the agent's queue."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.conftest import RunningKefu
from tests.integration.test_loop import Shopper

pytestmark = pytest.mark.slow


def agent_headers(http: httpx.Client, base: str) -> dict[str, str]:
    login = http.post(f"{base}/api/agent/login", json={"username": "agent", "password": "kefu-demo"})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['token']}"}


def test_order_status_asks_which_order_then_shows_the_latest_logistics_event(kefu_system: RunningKefu, http: httpx.Client):
    shopper = Shopper(http, kefu_system.handoff_url, "C1001", "zh")

    sent = shopper.say("帮我查下我买的东西到哪了")
    which = shopper.wait_for("bot", sent["seq"])
    assert "想查哪一个" in which["text"]
    buttons = which["payload"]["buttons"]
    chosen = next(b for b in buttons if "O20261111002" in b["payload"])

    sent = shopper.say(chosen["payload"])
    status = shopper.wait_for("bot", sent["seq"])
    assert "顺丰速运" in status["text"] and "SF1420098877" in status["text"]


def test_an_upset_shopper_is_held_then_queued_as_upset(kefu_system: RunningKefu, http: httpx.Client):
    base = kefu_system.handoff_url
    shopper = Shopper(http, base, "C1003", "zh")

    sent = shopper.say("气死我了，衣服一洗就缩水，你们这什么破质量")
    held = shopper.wait_for("bot", sent["seq"])
    assert "理解您现在的心情" in held["text"]

    queue = http.get(f"{base}/api/agent/queue", headers=agent_headers(http, base)).json()["items"]
    item = next(i for i in queue if i["conversation_id"] == shopper.conversation_id)
    assert item["reason"] == "upset"
