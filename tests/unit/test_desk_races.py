"""Two people at the same moment, over real HTTP on SQLite and PostgreSQL: a coupon request is
decided once however many supervisors approve it at once, and a chat goes only to someone who
can answer it (an active desk account speaking the shopper's language, never a trainer)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from handoff_service.app import create_app
from handoff_service.core.agents import AgentDirectory
from handoff_service.core.db import make_engine, make_sessionmaker, migrate
from handoff_service.settings import Settings
from tests.conftest import ServerThread
from tests.handoff_helpers import (
    IDENTITY_SECRET,
    SECRET,
    FakeRasa,
    database,
    escalate,
    events,
    login,
    open_chat,
)

PASSWORD = "password-123"
SUPERVISORS = ("sue", "sam", "sid", "sol", "sky", "sal")


@dataclass
class Desk:
    url: str
    ann: dict[str, str]
    supervisors: list[dict[str, str]]
    ids: dict[str, int]


def add_accounts(url: str, accounts: dict[str, dict[str, Any]]) -> None:
    """All at once, on one engine: each `add_agent` would migrate the database again."""

    async def main() -> None:
        engine = make_engine(url)
        try:
            await migrate(engine)
            directory = AgentDirectory(make_sessionmaker(engine), 12)
            for username, fields in accounts.items():
                await directory.add(username, PASSWORD, username.title(), **fields)
        finally:
            await engine.dispose()

    asyncio.run(main())


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def desk(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    tmp = tmp_path_factory.mktemp(f"races-{request.param}")
    with database(request.param, tmp) as url, httpx.Client(timeout=30) as http:
        add_accounts(
            url,
            {
                "ann": {"max_concurrent": 20, "languages": ["zh"]},
                "bob": {"languages": ["zh"]},
                "eve": {"languages": ["en"]},
                "tina": {"role": "trainer"},
                **{name: {"role": "supervisor"} for name in SUPERVISORS},
            },
        )
        settings = Settings(
            environment="development", database_url=url, handoff_secret=SECRET, identity_secret=IDENTITY_SECRET,
            auto_assign=False, demo_agent_username=None, store_path=tmp / "store.db",
        )  # fmt: skip
        with ServerThread(create_app(settings, rasa_transport=httpx.MockTransport(FakeRasa().handler))) as server:
            supervisors = [login(http, server.url, name, PASSWORD) for name in SUPERVISORS]
            everyone = http.get(f"{server.url}/api/agent/agents", headers=supervisors[0]).json()["agents"]
            ids = {a["username"]: a["id"] for a in everyone}
            yield Desk(server.url, login(http, server.url, "ann", PASSWORD), supervisors, ids)


def claimed_chat(http: httpx.Client, desk: Desk, lang: str = "zh") -> tuple[str, dict[str, str]]:
    cid, auth = open_chat(http, desk.url, "C1001", lang=lang)
    escalate(http, desk.url, cid)
    assert http.post(f"{desk.url}/api/agent/conversations/{cid}/claim", headers=desk.ann).status_code == 200
    return cid, auth


async def approve_all_at_once(url: str, request_ids: list[int], supervisors: list[dict[str, str]]) -> list[httpx.Response]:
    """Every supervisor approves every request, all requests in flight together."""
    async with httpx.AsyncClient(timeout=60) as client:
        return list(
            await asyncio.gather(
                *(
                    client.post(f"{url}/api/agent/approvals/{request_id}", json={"approve": True}, headers=headers)
                    for request_id in request_ids
                    for headers in supervisors
                )
            )
        )


def test_supervisors_approving_a_request_at_once_issue_one_coupon(desk: Desk, http: httpx.Client) -> None:
    cid, auth = claimed_chat(http, desk)
    asked = [
        http.post(
            f"{desk.url}/api/agent/conversations/{cid}/coupon", json={"amount": 50 + n, "reason": "破损"}, headers=desk.ann
        ).json()
        for n in range(4)
    ]
    assert {a["status"] for a in asked} == {"pending"}

    answers = asyncio.run(approve_all_at_once(desk.url, [a["request_id"] for a in asked], desk.supervisors))

    issued = [a.json() for a in answers if a.status_code == 200]
    assert sorted(i["request_id"] for i in issued) == sorted(a["request_id"] for a in asked), [a.text for a in answers]
    assert {a.status_code for a in answers} == {200, 409}
    cards = [e for e in events(http, desk.url, cid, auth) if e["payload"].get("card", {}).get("type") == "coupon"]
    assert len(cards) == len(asked)
    audit = http.get(f"{desk.url}/api/agent/audit", params={"conversation_id": cid}, headers=desk.supervisors[0]).json()
    actions = [entry["action"] for entry in audit["entries"]]
    assert actions.count("coupon.issued") == len(asked) and actions.count("coupon.approved") == len(asked)


def test_a_chat_cannot_be_transferred_to_a_trainer(desk: Desk, http: httpx.Client) -> None:
    cid, _ = claimed_chat(http, desk)
    refused = http.post(
        f"{desk.url}/api/agent/conversations/{cid}/transfer", json={"to_agent_id": desk.ids["tina"]}, headers=desk.ann
    )
    assert refused.status_code == 409 and "trainer" in refused.json()["message"]
    detail = http.get(f"{desk.url}/api/agent/conversations/{cid}", headers=desk.ann).json()
    assert detail["assigned_agent_id"] == desk.ids["ann"]


def test_a_chat_goes_only_to_a_colleague_who_speaks_its_language(desk: Desk, http: httpx.Client) -> None:
    cid, _ = claimed_chat(http, desk, lang="zh")
    to_eve = http.post(
        f"{desk.url}/api/agent/conversations/{cid}/transfer", json={"to_agent_id": desk.ids["eve"]}, headers=desk.ann
    )
    assert to_eve.status_code == 409
    to_bob = http.post(
        f"{desk.url}/api/agent/conversations/{cid}/transfer", json={"to_agent_id": desk.ids["bob"]}, headers=desk.ann
    )
    assert to_bob.status_code == 200 and to_bob.json()["assigned_agent_id"] == desk.ids["bob"]



def test_an_agent_reply_sent_twice_at_once_is_stored_once(desk: Desk, http: httpx.Client) -> None:
    """The console resends an unacknowledged reply with the same client id; tries racing each other
    give one message and never a 500 (the fault suite found a duplicate-key 500 here)."""
    cid, auth = claimed_chat(http, desk)

    async def send_at_once() -> list[httpx.Response]:
        body = {"text": "您好，我来帮您看看", "client_id": "reply-1"}
        async with httpx.AsyncClient(timeout=60) as client:
            url = f"{desk.url}/api/agent/conversations/{cid}/messages"
            return list(await asyncio.gather(*(client.post(url, json=body, headers=desk.ann) for _ in range(6))))

    answers = asyncio.run(send_at_once())
    assert {a.status_code for a in answers} <= {202, 409}, [a.text for a in answers]
    stored = {a.json()["event"]["seq"] for a in answers if a.status_code < 300}
    assert len(stored) == 1
    assert [e["text"] for e in events(http, desk.url, cid, auth) if e["sender"] == "agent"] == ["您好，我来帮您看看"]
