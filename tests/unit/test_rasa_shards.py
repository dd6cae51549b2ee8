"""Several Rasa servers behind one handoff service: every turn and tracker update of a
conversation reaches the server that keeps it, conversations spread over all of them, every
handoff replica agrees on which server that is, and a new model reaches all of them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request, Response

from handoff_service.core.errors import RasaUnavailable
from handoff_service.core.rasa_client import RasaClient
from handoff_service.settings import Settings
from kefu.supervisor import Ports, free_port, kefu_specs


class FakeRasa:
    """Rasa's HTTP API as far as the handoff service uses it, remembering what reached it."""

    def __init__(self, refuse_models: bool = False) -> None:
        self.senders: list[str] = []
        self.tracker_events: list[tuple[str, dict[str, Any]]] = []
        self.models: list[str] = []
        self.app = FastAPI()

        @self.app.post("/webhooks/rest/webhook")
        async def webhook(request: Request) -> list[dict[str, str]]:
            body = await request.json()
            self.senders.append(body["sender"])
            return [{"recipient_id": body["sender"], "text": f"答：{body['message']}"}]

        @self.app.post("/conversations/{sender}/tracker/events")
        async def events(sender: str, request: Request) -> dict[str, str]:
            self.tracker_events.append((sender, await request.json()))
            return {"sender_id": sender}

        @self.app.put("/model")
        async def load(request: Request) -> Response:
            if refuse_models:
                return Response("model broken", status_code=400)
            self.models.append((await request.json())["model_file"])
            return Response(status_code=204)


@pytest.fixture
def servers(request: pytest.FixtureRequest) -> Iterator[tuple[list[str], list[FakeRasa]]]:
    """Two fake Rasa servers on real ports; `refuse` (indirect) makes the second refuse models."""
    fakes = [FakeRasa(), FakeRasa(refuse_models=getattr(request, "param", False))]
    running, urls = [], []
    for fake in fakes:
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(fake.app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        running.append((server, thread))
        urls.append(f"http://127.0.0.1:{port}")
    yield urls, fakes
    for server, thread in running:
        server.should_exit = True
        thread.join(timeout=10)


async def test_each_conversation_stays_on_one_server_and_conversations_use_all(
    servers: tuple[list[str], list[FakeRasa]],
) -> None:
    urls, fakes = servers
    conversations = [f"c{n:04d}" for n in range(40)]
    async with httpx.AsyncClient(timeout=10) as http:
        client = RasaClient(urls, http)
        for turn in range(3):
            for sender in conversations:
                replies = await client.send(sender, f"问题{turn}", {"lang": "zh"})
                assert replies == [{"recipient_id": sender, "text": f"答：问题{turn}"}]
        for sender in conversations:
            await client.set_slot(sender, "handoff_outcome", "resolved")
    kept = [set(fake.senders) for fake in fakes]
    assert kept[0] | kept[1] == set(conversations)
    assert not kept[0] & kept[1], "a conversation's turns reached two servers"
    assert all(len(senders) >= 10 for senders in kept), [len(s) for s in kept]
    for fake, senders in zip(fakes, kept):
        assert {sender for sender, _ in fake.tracker_events} == senders  # the update reaches the same tracker


async def test_every_replica_routes_a_conversation_to_the_same_server() -> None:
    urls = Settings(rasa_url="http://127.0.0.1:5005, http://127.0.0.1:5006,http://127.0.0.1:5007/").rasa_urls
    assert urls == ["http://127.0.0.1:5005", "http://127.0.0.1:5006", "http://127.0.0.1:5007"]
    async with httpx.AsyncClient() as one, httpx.AsyncClient() as other:
        first, second = RasaClient(urls, one), RasaClient(urls, other)
        assert [first.shard(f"c{n}") for n in range(100)] == [second.shard(f"c{n}") for n in range(100)]
        assert {first.shard(f"c{n}") for n in range(100)} == {0, 1, 2}


async def test_a_new_model_reaches_every_server(servers: tuple[list[str], list[FakeRasa]]) -> None:
    urls, fakes = servers
    async with httpx.AsyncClient(timeout=10) as http:
        await RasaClient(urls, http).load_model("/models/new.tar.gz")
    assert [fake.models for fake in fakes] == [["/models/new.tar.gz"], ["/models/new.tar.gz"]]


@pytest.mark.parametrize("servers", [True], indirect=True)
async def test_a_server_that_refuses_the_model_is_named(servers: tuple[list[str], list[FakeRasa]]) -> None:
    urls, fakes = servers
    refusing = urls[1]
    async with httpx.AsyncClient(timeout=10) as http:
        with pytest.raises(RasaUnavailable, match=f"rasa at {refusing} refused /models/new.tar.gz \\(400\\)"):
            await RasaClient(urls, http).load_model("/models/new.tar.gz")
    assert fakes[0].models == ["/models/new.tar.gz"]


async def test_no_rasa_url_is_a_clear_error() -> None:
    async with httpx.AsyncClient() as http:
        with pytest.raises(ValueError, match="KEFU_RASA_URL"):
            RasaClient(Settings(rasa_url=" , ").rasa_urls, http)


def test_the_demo_starts_one_rasa_server_per_port_and_tells_the_handoff_service_all_of_them() -> None:
    ports = Ports(handoff=8000, rasa=5005, action=5055, more_rasa=(5006,))
    specs = {spec.name: spec for spec in kefu_specs("127.0.0.1", ports, Path("m.tar.gz"), Path(".venv-rasa"), Path("logs"))}
    assert sorted(specs) == ["actions", "handoff", "rasa", "rasa-2"]
    assert specs["rasa-2"].health_url == "http://127.0.0.1:5006/version"
    assert specs["rasa-2"].log_file == Path("logs/rasa-2.log")
    assert specs["handoff"].env["KEFU_RASA_URL"] == "http://127.0.0.1:5005,http://127.0.0.1:5006"
