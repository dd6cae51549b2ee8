"""The Rasa hop's transport against a real HTTP server: replies arrive whole over kept-alive
connections, a connection Rasa closed while idle is replaced, and a Rasa that is down or too slow
is reported as unavailable (the chat then goes to a person)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request

from handoff_service.errors import RasaUnavailable
from handoff_service.rasa_client import RasaClient
from handoff_service.rasa_transport import RasaTransport
from kefu.supervisor import free_port


def fake_rasa() -> tuple[FastAPI, list[int]]:
    app, ports = FastAPI(), []

    @app.post("/webhooks/rest/webhook")
    async def webhook(request: Request) -> list[dict[str, str]]:
        body = await request.json()
        ports.append(request.client.port if request.client else 0)
        if body["message"] == "slow":
            await asyncio.sleep(2)
        return [{"recipient_id": body["sender"], "text": f"答：{body['message']} " + "x" * 70_000}]

    return app, ports


@pytest.fixture
def rasa() -> Iterator[tuple[str, list[int]]]:
    app, ports = fake_rasa()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", timeout_keep_alive=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", ports
    server.should_exit = True
    thread.join(timeout=10)


async def send_all(url: str, texts: list[str], timeout: float = 10.0, pause: float = 0.0) -> list[str]:
    async with httpx.AsyncClient(timeout=timeout, transport=RasaTransport()) as http:
        client, answers = RasaClient([url], http), []
        for text in texts:
            try:
                replies = await client.send("shopper-1", text, {"lang": "zh"})
                answers.append(replies[0]["text"].split(" ")[0])
            except RasaUnavailable:
                answers.append("unavailable")
            await asyncio.sleep(pause)
        return answers


def test_replies_arrive_whole_over_one_kept_alive_connection(rasa: tuple[str, list[int]]) -> None:
    url, ports = rasa
    assert asyncio.run(send_all(url, ["发货", "退货", "发票"])) == ["答：发货", "答：退货", "答：发票"]
    assert len(set(ports)) == 1


def test_concurrent_turns_each_get_their_own_reply(rasa: tuple[str, list[int]]) -> None:
    url, _ = rasa

    async def together() -> list[list[str]]:
        async with httpx.AsyncClient(timeout=10, transport=RasaTransport()) as http:
            client = RasaClient([url], http)
            replies = await asyncio.gather(*(client.send(f"s{n}", f"问{n}", {}) for n in range(6)))
        return [[r["text"].split(" ")[0] for r in reply] for reply in replies]

    assert asyncio.run(together()) == [[f"答：问{n}"] for n in range(6)]


def test_a_connection_rasa_closed_while_idle_is_replaced(rasa: tuple[str, list[int]]) -> None:
    url, ports = rasa
    assert asyncio.run(send_all(url, ["一", "二"], pause=1.6)) == ["答：一", "答：二"]
    assert len(set(ports)) == 2


def test_rasa_down_or_too_slow_is_unavailable_and_the_next_turn_still_works(rasa: tuple[str, list[int]]) -> None:
    url, _ = rasa
    assert asyncio.run(send_all(f"http://127.0.0.1:{free_port()}", ["你好"])) == ["unavailable"]
    assert asyncio.run(send_all(url, ["slow", "快"], timeout=0.5)) == ["unavailable", "答：快"]


def test_an_answer_that_ends_when_rasa_closes_arrives_whole_and_the_connection_is_not_reused() -> None:
    """HTTP/1.1 allows a body with neither a length nor chunks, ended by closing the connection."""
    connections: list[int] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(id(writer))
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n[{"text": "')
        await writer.drain()
        writer.write('答：关闭"}]'.encode())
        writer.close()

    async def run() -> list[str]:
        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server, httpx.AsyncClient(timeout=5, transport=RasaTransport()) as http:
            client = RasaClient([f"http://127.0.0.1:{port}"], http)
            return [(await client.send("s", text, {}))[0]["text"] for text in ("一", "二")]

    assert asyncio.run(run()) == ["答：关闭", "答：关闭"]
    assert len(connections) == 2
