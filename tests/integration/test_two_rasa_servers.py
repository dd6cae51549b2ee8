"""Two real Rasa servers behind the handoff service (KEFU_RASA_PROCESSES=2): every shopper gets
the bot's answers, each conversation lives on exactly one server, and both servers take
conversations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import RunningKefu
from tests.integration.test_loop import Shopper
from tests.system import running_kefu

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def two_rasa(test_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningKefu]:
    with running_kefu(test_model, tmp_path_factory.mktemp("kefu-two-rasa"), rasa_servers=2) as system:
        yield system


def test_conversations_spread_over_both_servers_and_each_stays_on_one(two_rasa: RunningKefu, http: httpx.Client) -> None:
    shoppers = [Shopper(http, two_rasa.handoff_url, "C1001", "zh") for _ in range(16)]
    for question in ("亲，一般几天发货？", "可以开发票吗"):
        for shopper in shoppers:
            sent = shopper.say(question)
            answer = shopper.wait_for("bot", sent["seq"])
            assert answer["text"], answer
    kept_by = []
    for shopper in shoppers:
        holders = []
        for url in two_rasa.rasa_urls:
            tracker = http.get(f"{url}/conversations/{shopper.conversation_id}/tracker", params={"token": two_rasa.rasa_token}).json()
            said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
            if said:
                holders.append(url)
                assert said == ["亲，一般几天发货？", "可以开发票吗"]  # both turns, in order, on one server
        assert len(holders) == 1, (shopper.conversation_id, holders)
        kept_by.append(holders[0])
    assert set(kept_by) == set(two_rasa.rasa_urls)
