"""Shopper identity: a customer id counts only when the store's server signed it; otherwise the chat
is a guest chat, and neither the bot (what Rasa receives) nor the console (the customer 360) sees a
customer. Over real HTTP against a real server, on SQLite, with the demo store."""

from __future__ import annotations

import hashlib
import hmac
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from handoff_service.app import create_app
from handoff_service.chat.identity import sign_customer, verify_customer
from handoff_service.core.texts import TEXTS
from handoff_service.pages import DEMO_IDENTITY_SECONDS, storefront_html
from handoff_service.settings import Settings, UnsafeSettings
from tests.conftest import ROOT, ServerThread, wait_until
from tests.handoff_helpers import (
    IDENTITY_SECRET,
    SECRET,
    FakeRasa,
    add_agent,
    escalate,
    events,
    login,
)

C1004_ORDERS = ("O20260903007", "O20260921008", "O20261012009")


@dataclass
class Shop:
    url: str
    rasa: FakeRasa
    ann: dict[str, str]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    tmp = tmp_path_factory.mktemp("identity")
    url = f"sqlite+aiosqlite:///{tmp / 'h.db'}"
    add_agent(url, "ann", max_concurrent=50)
    settings = Settings(
        environment="development", database_url=url, handoff_secret=SECRET, identity_secret=IDENTITY_SECRET,
        auto_assign=False, demo_agent_username=None, store_path=tmp / "store.db", demo_customer_id="C1001",
    )  # fmt: skip
    rasa = FakeRasa()
    with ServerThread(create_app(settings, rasa_transport=httpx.MockTransport(rasa.handler))) as server:
        with httpx.Client(timeout=30) as http:
            ann = login(http, server.url, "ann", "password-123")
        yield Shop(server.url, rasa, ann)


def start(http: httpx.Client, shop: Shop, **body: Any) -> dict[str, Any]:
    created = http.post(f"{shop.url}/api/sessions", json={"lang": "zh", **body})
    assert created.status_code == 201, created.text
    return created.json()


def what_the_bot_and_the_console_see(http: httpx.Client, shop: Shop, session: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The customer id Rasa received with the shopper's message, and the agent's view of the chat
    after the bot escalated it with C1004's profile in the packet (as a confused action server might)."""
    cid, auth = session["conversation_id"], {"Authorization": f"Bearer {session['token']}"}
    assert http.post(f"{shop.url}/api/sessions/{cid}/messages", json={"text": f"我的订单到哪了 {cid}"}, headers=auth).status_code == 202
    wait_until(lambda: [e for e in events(http, shop.url, cid, auth) if e["sender"] == "bot"])
    metadata = next(r["metadata"] for r in shop.rasa.received if r["sender"] == cid)
    profile = {"customer_id": "C1004", "name": "陈静", "order_count": 5}
    assert escalate(http, shop.url, cid, customer=profile)[0].status_code == 201
    assert http.post(f"{shop.url}/api/agent/conversations/{cid}/claim", headers=shop.ann).status_code == 200
    view = http.get(f"{shop.url}/api/agent/conversations/{cid}", headers=shop.ann)
    assert view.status_code == 200, view.text
    return metadata["customer_id"], view.json()


@pytest.mark.parametrize(
    ("claim", "refusal"),
    [
        ({"customer_id": "C1004"}, "identity_unsigned"),
        ({"customer_id": "C1004", "customer_signature": sign_customer("C1001", IDENTITY_SECRET)}, "identity_invalid"),
        ({"customer_id": "C1004", "customer_signature": sign_customer("C1004", "a-guessed-identity-secret")}, "identity_invalid"),
        ({"customer_id": "C1004", "customer_signature": "0" * 64}, "identity_invalid"),
    ],
    ids=["unsigned", "another-customers-signature", "wrong-secret", "zeros"],
)
def test_impersonation_is_a_guest_chat_the_bot_and_console_see_no_customer_in(
    http: httpx.Client, shop: Shop, claim: dict[str, Any], refusal: str
) -> None:
    session = start(http, shop, **claim)

    assert session["identity"] == "guest"
    assert session["identity_refused"] == {"error": refusal, "message": TEXTS["identity_guest"]["zh"]}
    customer_id, view = what_the_bot_and_the_console_see(http, shop, session)
    assert customer_id is None
    assert view["customer_id"] is None and not view["customer"]
    assert not any(order in str(view) for order in C1004_ORDERS) and "陈静" not in str(view)


def test_a_correctly_signed_customer_reaches_the_bot_and_the_console(http: httpx.Client, shop: Shop) -> None:
    session = start(http, shop, customer_id="C1004", customer_signature=sign_customer("C1004", IDENTITY_SECRET))

    assert (session["identity"], session["identity_refused"]) == ("verified", None)
    customer_id, view = what_the_bot_and_the_console_see(http, shop, session)
    assert customer_id == "C1004"
    assert view["customer_id"] == "C1004" and view["customer"]["name"] == "陈静"
    assert {o["order_id"] for o in view["customer"]["orders"]} >= set(C1004_ORDERS)


def test_an_escalation_cannot_show_another_customer_than_the_verified_one(http: httpx.Client, shop: Shop) -> None:
    session = start(http, shop, customer_id="C1001", customer_signature=sign_customer("C1001", IDENTITY_SECRET))

    customer_id, view = what_the_bot_and_the_console_see(http, shop, session)  # the packet says C1004

    assert customer_id == "C1001"
    assert view["customer"]["customer_id"] == "C1001" and view["customer"]["name"] != "陈静"


def test_an_expiry_is_honoured_and_covered_by_the_signature(http: httpx.Client, shop: Shop) -> None:
    later, earlier = int(time.time()) + 600, int(time.time()) - 1

    def signed(expires: int, sent_expires: int) -> dict[str, Any]:
        signature = sign_customer("C1004", IDENTITY_SECRET, expires)
        return start(http, shop, customer_id="C1004", customer_signature=signature, customer_expires=sent_expires, lang="en")

    assert signed(later, later)["identity"] == "verified"
    expired = signed(earlier, earlier)
    assert expired["identity"] == "guest"
    assert expired["identity_refused"] == {"error": "identity_expired", "message": TEXTS["identity_guest"]["en"]}
    assert signed(earlier, later)["identity_refused"]["error"] == "identity_invalid"  # a pushed-back expiry
    assert signed(later, None)["identity_refused"]["error"] == "identity_invalid"  # a dropped expiry


@pytest.mark.parametrize(
    "claim",
    [
        {"customer_id": "C1004\n1"},
        {"customer_id": "C 1004"},
        {"customer_id": "C1004", "customer_signature": "not-hex"},
        {"customer_id": "C1004", "customer_signature": "签名" * 32},
        {"customer_id": "C1004", "customer_expires": -5},
    ],
)
def test_malformed_claims_get_a_clear_error(http: httpx.Client, shop: Shop, claim: dict[str, Any]) -> None:
    response = http.post(f"{shop.url}/api/sessions", json=claim)

    assert response.status_code in (400, 422)
    assert response.json()["message"]


def test_a_guest_is_a_guest_with_nothing_refused(http: httpx.Client, shop: Shop) -> None:
    assert start(http, shop) | {"conversation_id": "", "token": ""} == {
        "conversation_id": "", "token": "", "state": "bot", "identity": "guest", "identity_refused": None,
    }  # fmt: skip


def test_the_demo_storefront_signs_its_customer_as_a_store_server_would(http: httpx.Client, shop: Shop) -> None:
    page = http.get(f"{shop.url}/")
    tag = re.search(r'<script src="/widget.js"([^>]*)>', page.text)

    assert page.status_code == 200 and tag
    attributes = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', tag.group(1)))
    assert attributes["customer-id"] == "C1001"
    expires = int(attributes["customer-expires"])
    assert 0 < expires - time.time() <= DEMO_IDENTITY_SECONDS
    session = start(
        http, shop, customer_id="C1001", customer_signature=attributes["customer-signature"], customer_expires=expires
    )
    assert session["identity"] == "verified"


def test_without_a_demo_customer_or_a_secret_the_storefront_is_a_guest() -> None:
    for settings in (
        Settings(environment="development", identity_secret=IDENTITY_SECRET),
        Settings(environment="development", demo_customer_id="C1001"),
    ):
        assert '<script src="/widget.js" defer></script>' in storefront_html(settings)
    unverified = Settings(environment="development", demo_customer_id="C1001", identity_required=False)
    assert '<script src="/widget.js" data-customer-id="C1001" defer></script>' in storefront_html(unverified)


def test_verification_rules() -> None:
    signature = sign_customer("C1001", IDENTITY_SECRET)

    assert verify_customer("C1001", signature.upper(), None, IDENTITY_SECRET, required=True).customer_id == "C1001"
    assert verify_customer("C1001", signature, None, None, required=True).refused == "identity_not_configured"
    assert verify_customer("C1001", None, None, IDENTITY_SECRET, required=False).status == "unverified"
    assert verify_customer("C1001", "0" * 64, None, IDENTITY_SECRET, required=False).customer_id is None
    assert verify_customer(None, None, None, IDENTITY_SECRET, required=True).refused is None
    # The documented message: the id, or the id, a newline and the expiry.
    expected = hmac.new(IDENTITY_SECRET.encode(), b"C1001\n1767225600", hashlib.sha256).hexdigest()
    assert sign_customer("C1001", IDENTITY_SECRET, 1767225600) == expected
    assert verify_customer("C1001", expected, 1767225600, IDENTITY_SECRET, True, now=1767225599).status == "verified"
    assert verify_customer("C1001", expected, 1767225600, IDENTITY_SECRET, True, now=1767225600).refused == "identity_expired"


def test_a_short_identity_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="KEFU_IDENTITY_SECRET"):
        Settings(identity_secret="short")


def test_the_documented_one_liners_sign_as_the_service_verifies() -> None:
    """SECURITY.md's Python and Node lines, run as a store's server would run them."""
    doc = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    python_line = re.search(r"```python\n(.+?)\n```", doc, re.DOTALL).group(1)
    node_line = re.search(r"```js\n(.+?)\n```", doc, re.DOTALL).group(1)
    expected = sign_customer("C1001", IDENTITY_SECRET, 1767225600)

    scope = {"hmac": hmac, "hashlib": hashlib, "KEFU_IDENTITY_SECRET": IDENTITY_SECRET, "customer_id": "C1001", "expires": 1767225600}
    exec(python_line, scope)  # noqa: S102 - the documentation's own line
    assert scope["signature"] == expected
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the Node line was not run")
    script = f"const KEFU_IDENTITY_SECRET = {IDENTITY_SECRET!r}, customerId = 'C1001', expires = 1767225600;\n{node_line}\nconsole.log(signature);"
    ran = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=30, check=True)
    assert ran.stdout.strip() == expected


def test_production_refuses_to_trust_unsigned_customer_ids() -> None:
    safe = {"environment": "production", "handoff_secret": "a-private-handoff-secret", "rasa_token": "a-rasa-token"}

    assert Settings(**safe).refusals() == []
    refusals = Settings(**safe, identity_required=False).refusals()
    assert any("KEFU_IDENTITY_REQUIRED" in problem for problem in refusals)
    with pytest.raises(UnsafeSettings, match="KEFU_IDENTITY_REQUIRED"):
        create_app(Settings(**safe, identity_required=False))
