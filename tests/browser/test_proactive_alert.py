"""Proactive service in the shopper's widget: the store's scan finds the demo customer's parcel stuck
for 60 hours; when the shopper next opens the storefront the launcher shows a badge, the alert says
what happened and what the store is doing, and a choice button gives the coupon at once; a reply
afterwards goes to the bot as usual. The handoff service runs on its own with a stand-in Rasa at the
HTTP seam (the bot's answers are not what this tests) and the seeded demo store."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from handoff_service.app import create_app
from handoff_service.settings import Settings
from kb_index.settings import KbSettings
from tests.browser.conftest import Browsing
from tests.browser.pages import Console, Storefront
from tests.conftest import ROOT, ServerThread
from tests.handoff_helpers import (
    IDENTITY_SECRET,
    SECRET,
    FakeRasa,
    add_agent,
    escalate,
    login,
)

pytestmark = pytest.mark.slow

Shot = Callable[[Page, str], Path]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("proactive-widget")
    url = f"sqlite+aiosqlite:///{tmp / 'h.db'}"
    with ThreadPoolExecutor(max_workers=1) as pool:  # Playwright's sync API keeps a loop running in this thread
        pool.submit(add_agent, url, "sue", role="supervisor").result()
    settings = Settings(
        environment="development", database_url=url, handoff_secret=SECRET, identity_secret=IDENTITY_SECRET,
        demo_customer_id="C1001", demo_agent_username=None, store_path=tmp / "store.db", proactive_quiet_hours="",
        proactive_enabled=False,  # the test runs the scan when it wants
    )  # fmt: skip
    kb = KbSettings(knowledge_dir=ROOT / "knowledge", index_dir=tmp / "kb")
    app = create_app(settings, rasa_transport=httpx.MockTransport(FakeRasa().handler), kb_settings=kb)
    with ServerThread(app) as server:
        yield server.url


def test_a_stuck_parcel_alert_reaches_the_widget_with_working_choices(shop: str, browsing: Browsing, shot: Shot) -> None:
    page = browsing.new_page(locale="en-US")
    page.goto(f"{shop}/?customer=C1002")  # the demo storefront signs in Emma, whose parcel is stuck
    expect(page.get_by_test_id("kefu-launcher")).to_be_visible()
    expect(page.get_by_test_id("kefu-unread")).to_be_hidden()
    shot(page, "01-storefront-before-the-scan")

    with httpx.Client(timeout=30) as http:
        sue = login(http, shop, "sue", "password-123")
        report = http.post(f"{shop}/api/proactive/scan", headers=sue).json()
    stuck = next(a for a in report["alerts"] if a["kind"] == "no_tracking_update")
    assert (stuck["customer_id"], stuck["outcome"]) == ("C1002", "sent")

    page.reload()  # the shopper comes back to the store
    badge = page.get_by_test_id("kefu-unread")
    expect(badge).to_have_text("1")
    expect(page.get_by_test_id("kefu-launcher")).to_have_attribute("aria-label", "Open chat · 1 unread messages")
    shot(page, "02-badge-on-the-launcher")

    shopper = Storefront(page, shop)
    shopper.open_chat()
    expect(badge).to_be_hidden()
    alert = shopper.rows("bot").filter(has_text="has not moved for 60 hours")
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text("We have asked YTO Express to trace it urgently")
    buttons = alert.get_by_test_id("kefu-button")
    expect(buttons).to_have_text(["I'll wait: give me a ¥10 coupon", "Send a new one now", "Cancel and refund me in full"])
    shot(page, "03-the-alert-with-its-choices")

    buttons.first.click()
    expect(shopper.rows("shopper").last).to_contain_text("I'll wait: give me a ¥10 coupon")
    card = page.locator('[data-testid="kefu-card"][data-card-type="coupon"]')
    expect(card).to_be_visible()
    expect(card.get_by_test_id("kefu-card-code")).to_have_text(re.compile(r"^CS\d+$"))
    expect(shopper.rows("bot").last).to_contain_text("Done: ¥10 apology coupon")
    card.scroll_into_view_if_needed()
    shot(page, "04-the-coupon-chosen")

    page.reload()  # the choice made stays made: its buttons are used after a reload
    shopper.open_chat()
    expect(shopper.rows("bot").filter(has_text="has not moved for 60 hours").get_by_test_id("kefu-button").first).to_be_disabled()
    expect(page.get_by_test_id("kefu-unread")).to_be_hidden()

    replies = shopper.ask("thanks, and when will it arrive?")
    expect(replies.last).to_contain_text(re.compile("bot: thanks, and when will it arrive\\?"))
    shot(page, "05-a-reply-goes-to-the-bot")

    # the shopper asks for a person: the agent reads the alert in the transcript and beside the bot's packet
    cid = page.evaluate("window.kefuWidget.state().conversation_id")
    with httpx.Client(timeout=30) as http:
        assert escalate(http, shop, cid)[0].status_code == 201
    desk = browsing.new_page(locale="en-US")
    console = Console(desk, shop).open().log_in("sue", "password-123")
    console.open_chat(cid)
    expect(desk.get_by_test_id("transcript-proactive")).to_have_count(1)
    expect(console.transcript("shopper").first).to_contain_text("▸ I'll wait: give me a ¥10 coupon")
    expect(desk.locator('[data-testid="escalation-proactive-item"][data-kind="no_tracking_update"]')).to_contain_text("O20261115004")
    expect(desk.locator('[data-testid="customer-alert"][data-kind="no_tracking_update"]')).to_contain_text("sent")
    shot(desk, "06-the-agent-sees-the-alert")

    # the supervisor sees it: the stuck parcel, told; the alerts of today; the shopper's choice
    desk.get_by_test_id("tab-supervisor").click()
    stuck_item = desk.locator('[data-testid="pv-stuck-item"][data-order-id="O20261115004"]')
    expect(stuck_item).to_contain_text("told")
    expect(desk.locator('[data-testid="pv-alert"][data-kind="no_tracking_update"]')).to_contain_text("O20261115004")
    expect(desk.get_by_test_id("pv-choice").first).to_contain_text("I'll wait: give me a ¥10 coupon")
    expect(desk.get_by_test_id("pv-summary")).to_contain_text("sent today")
    desk.get_by_test_id("proactive").scroll_into_view_if_needed()
    shot(desk, "07-supervisor-proactive-section")
