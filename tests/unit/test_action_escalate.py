"""action_escalate as a function of a recorded tracker, against a real handoff service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rasa_sdk.executor import CollectingDispatcher

import bot.actions.resources as resources_module
from bot.actions import ActionEscalate
from bot.actions.texts import TEXTS
from handoff_service.app import create_app
from handoff_service.chat.identity import sign_customer
from handoff_service.settings import Settings
from kefu.supervisor import free_port
from tests.handoff_helpers import IDENTITY_SECRET
from tests.unit.samples import recorded_tracker

SECRET = "unit-test-secret-4f1c"
TURNS = [
    ("user", "什么时候发货"),
    ("bot", "亲，现货商品付款后 48 小时内发货~"),
    ("user", "我的羽绒服到哪了"),
    ("bot", "抱歉亲，这个问题我还不太确定"),
    ("user", "转人工", "request_human"),
]


@pytest.fixture
def action_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The action server's settings, pointing at nothing yet; resources rebuilt from them."""
    monkeypatch.setenv("KEFU_KB_KNOWLEDGE_DIR", str(tmp_path / "knowledge"))
    monkeypatch.setenv("KEFU_KB_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("KEFU_STORE_PATH", str(tmp_path / "store.db"))
    monkeypatch.setenv("KEFU_HANDOFF_SECRET", SECRET)
    monkeypatch.setattr(resources_module, "_resources", None)
    yield monkeypatch
    resources_module.resources().store.close()  # type: ignore[attr-defined]


@pytest.fixture
def handoff_url(serve, tmp_path: Path, action_env: pytest.MonkeyPatch) -> Iterator[str]:  # noqa: ANN001
    settings = Settings(environment="development", database_url=f"sqlite+aiosqlite:///{tmp_path / 'h.db'}", handoff_secret=SECRET, identity_secret=IDENTITY_SECRET)
    with serve(create_app(settings)) as server:
        action_env.setenv("KEFU_HANDOFF_URL", server.url)
        yield server.url


def open_chat(http: httpx.Client, url: str, customer_id: str | None = "C1001", lang: str = "zh") -> tuple[str, str]:
    signature = sign_customer(customer_id, IDENTITY_SECRET) if customer_id else None
    response = http.post(f"{url}/api/sessions", json={"customer_id": customer_id, "customer_signature": signature, "lang": lang})
    assert response.status_code == 201, response.text
    return response.json()["conversation_id"], response.json()["token"]


def agent_view(http: httpx.Client, url: str, conversation_id: str) -> dict:
    login = http.post(f"{url}/api/agent/login", json={"username": "agent", "password": "kefu-demo"})
    assert login.status_code == 200, login.text
    headers = {"authorization": f"Bearer {login.json()['token']}"}
    response = http.get(f"{url}/api/agent/conversations/{conversation_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def escalate(conversation_id: str, turns: list[tuple[str, str]] = TURNS, **tracker: object) -> list[str]:
    dispatcher = CollectingDispatcher()

    await ActionEscalate().run(dispatcher, recorded_tracker(conversation_id, turns, **tracker), {})  # type: ignore[arg-type]

    return [m["text"] for m in dispatcher.messages if m.get("text")]


async def test_escalation_queues_the_chat_with_transcript_and_customer_profile(
    handoff_url: str, http: httpx.Client
) -> None:
    conversation_id, token = open_chat(http, handoff_url)

    said = await escalate(conversation_id)

    assert said == []  # the handoff service tells the shopper their place in the queue
    chat = agent_view(http, handoff_url, conversation_id)
    assert chat["state"] == "queued"
    assert chat["escalation"]["reason"] == "explicit_request"
    assert chat["escalation"]["summary"] == "顾客要求人工 · 最近的问题：“我的羽绒服到哪了”"
    assert chat["escalation"]["priority"] == "important"  # a VIP
    assert [(t["sender"], t["text"]) for t in chat["escalation"]["transcript"]] == [
        ("shopper" if who == "user" else "bot", text) for who, text, *_ in TURNS
    ]
    customer = chat["customer"]
    assert (customer["customer_id"], customer["name"]) == ("C1001", "林晓雨")
    assert "VIP" in customer["tags"]
    assert (customer["order_count"], customer["total_spend"]) == (3, 856.0)
    shopper_events = http.get(
        f"{handoff_url}/api/sessions/{conversation_id}/events",
        params={"after": 0, "wait": "false"},
        headers={"authorization": f"Bearer {token}"},
    ).json()
    assert shopper_events["state"] == "queued"
    payload = shopper_events["events"][-1]["payload"]
    assert (payload["state"], payload["reason"], payload["position"]) == ("queued", "explicit_request", 1)


async def test_escalation_of_an_anonymous_shopper_has_no_profile(handoff_url: str, http: httpx.Client) -> None:
    conversation_id, _ = open_chat(http, handoff_url, customer_id=None, lang="en")

    said = await escalate(conversation_id, [("user", "I want a human")], customer_id=None, lang="en")

    assert said == []
    chat = agent_view(http, handoff_url, conversation_id)
    assert (chat["state"], chat["customer"]) == ("queued", None)


async def test_escalation_signed_with_another_secret_is_refused_and_the_shopper_is_told(
    handoff_url: str, http: httpx.Client, action_env: pytest.MonkeyPatch
) -> None:
    conversation_id, _ = open_chat(http, handoff_url)
    action_env.setenv("KEFU_HANDOFF_SECRET", "not-the-shared-secret")

    said = await escalate(conversation_id)

    assert said == [TEXTS["escalation_failed"]["zh"]]
    assert agent_view(http, handoff_url, conversation_id)["state"] == "bot"


@pytest.mark.parametrize(("text", "lang"), [("转人工", "zh"), ("I want a human", "en")])
async def test_unreachable_handoff_service_is_admitted_to_the_shopper(
    action_env: pytest.MonkeyPatch, text: str, lang: str
) -> None:
    action_env.setenv("KEFU_HANDOFF_URL", f"http://127.0.0.1:{free_port()}")
    action_env.setenv("KEFU_HANDOFF_RETRIES", "2")

    said = await escalate("c0ffee" * 5, [("user", "你好"), ("bot", "您好"), ("user", text)])

    assert said == [TEXTS["escalation_failed"][lang]]
