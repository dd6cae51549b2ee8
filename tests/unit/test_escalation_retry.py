"""A slow escalation retried by the action server counts as delivered (issue #15): the handoff
service answers the same packet again with 409 `already_received`, which the client takes as success."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from bot.actions.handoff_client import HandoffClient, HandoffFailed
from handoff_service.app import create_app
from handoff_service.settings import Settings
from kefu_contract.packet import HandoffPacket, sign
from tests.conftest import ServerThread
from tests.handoff_helpers import IDENTITY_SECRET, SECRET, events, open_chat


def test_a_retried_escalation_whose_first_answer_was_lost_counts_as_delivered(tmp_path: Path, http: httpx.Client):
    settings = Settings(
        environment="development", database_url=f"sqlite+aiosqlite:///{tmp_path / 'h.db'}", handoff_secret=SECRET,
        identity_secret=IDENTITY_SECRET, auto_assign=False,
    )  # fmt: skip
    with ServerThread(create_app(settings)) as server:
        cid, auth = open_chat(http, server.url)
        packet = HandoffPacket(conversation_id=cid, reason="explicit_request", summary="想要人工")
        body = packet.model_dump_json().encode()
        # The first attempt reached the service (signed a few seconds ago); its answer never came back.
        first = http.post(
            f"{server.url}/api/escalations", content=body,
            headers={"content-type": "application/json", **sign(body, SECRET, int(time.time()) - 3)},
        )  # fmt: skip
        assert first.status_code == 201
        client = HandoffClient(server.url, SECRET)
        answer = asyncio.run(client.escalate(packet))
        assert answer["state"] == "queued" and answer["already_received"] is True
        # The same post replayed with the same signature is also the same packet: delivered, not failed.
        replay = http.post(
            f"{server.url}/api/escalations", content=body, headers={"content-type": "application/json", **sign(body, SECRET, int(time.time()) - 3)}
        )
        assert replay.status_code == 409 and replay.json()["error"] == "already_received"
        queued = [e for e in events(http, server.url, cid, auth) if e["kind"] == "state"]
        assert len(queued) == 1  # queued once, whatever the retries

        # A different packet for a chat already with people is still refused: a real conflict.
        other = HandoffPacket(conversation_id=cid, reason="explicit_request", summary="另一件事")
        try:
            asyncio.run(HandoffClient(server.url, SECRET, retries=1).escalate(other))
        except HandoffFailed as exc:
            assert "409" in str(exc)
        else:
            raise AssertionError("a different packet for a queued chat was accepted")
