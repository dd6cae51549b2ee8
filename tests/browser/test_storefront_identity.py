"""Shopper identity in real Chromium: the demo storefront's signed customer gets order answers under
the page's CSP without one violation (a `securitypolicyviolation` listener records any); the same
page with the customer id swapped gets a guest chat; a store on another origin, listed in
KEFU_ALLOWED_ORIGINS, embeds the widget (modules and API over CORS) with the customer it signed; the
console and the trainer's page log in under their CSP without a violation."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from handoff_service.chat.identity import sign_customer
from tests.browser.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, Browsing
from tests.browser.pages import Console, Storefront, TrainerPage
from tests.handoff_helpers import IDENTITY_SECRET
from tests.system import ALLOWED_ORIGIN as STORE_ORIGIN
from tests.system import RunningKefu

pytestmark = pytest.mark.slow

Shot = Callable[[Page, str], Path]
RECORD_CSP_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.cspViolations.push(e.violatedDirective + " " + e.blockedURI));
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """tests/browser/conftest.py's Chromium, but a page of another origin may reach kefu on
    127.0.0.1: Chromium's local-network-access checks refuse a public page's requests to loopback,
    where a real store's page would reach kefu at a public address."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (scripts/setup.sh installs it with apt as root)")
    expect.set_options(timeout=15_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    flags = "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, flags])
        yield chromium
        chromium.close()


def test_the_signed_demo_customer_gets_order_answers_under_the_csp(
    kefu_system: RunningKefu, browsing: Browsing, shot: Shot
):
    page = browsing.new_page(locale="zh-CN")
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    shop = Storefront(page, kefu_system.handoff_url).open()

    replies = shop.ask("帮我查下我买的东西到哪了")

    expect(replies.filter(has_text="想查哪一个")).to_have_count(1)
    assert page.evaluate("window.cspViolations") == []
    shot(page, "01-signed-customer-order-answer")


def test_a_tampered_signature_makes_a_guest_who_is_asked_to_log_in(
    kefu_system: RunningKefu, browsing: Browsing, shot: Shot
):
    base = kefu_system.handoff_url
    served = httpx.get(f"{base}/").text
    tampered = re.sub(r'data-customer-id="[^"]*"', 'data-customer-id="C1004"', served)
    assert tampered != served

    def storefront_as_c1004(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=tampered)

    page = browsing.new_page(locale="zh-CN")
    page.route(f"{base}/", storefront_as_c1004)
    shop = Storefront(page, base).open()

    replies = shop.ask("帮我查下我买的东西到哪了")

    expect(replies.filter(has_text="麻烦登录后再问我")).to_have_count(1)
    expect(replies.filter(has_text="O2026")).to_have_count(0)
    shot(page, "01-guest-asked-to-log-in")


def test_a_store_on_another_origin_embeds_the_widget_with_its_signed_customer(
    kefu_system: RunningKefu, browsing: Browsing, shot: Shot
):
    """The store's own server signs its shopper (tests.system sets the identity secret) and serves
    its page from its own origin, listed in KEFU_ALLOWED_ORIGINS: the widget's modules and API calls
    cross origins with CORS, and the shopper gets order answers."""
    base = kefu_system.handoff_url
    expires = int(time.time()) + 600
    signature = sign_customer("C1001", IDENTITY_SECRET, expires)
    tag = (
        f'<script src="{base}/widget.js" data-customer-id="C1001" data-customer-expires="{expires}" '
        f'data-customer-signature="{signature}" data-lang="zh" defer></script>'
    )
    html = f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>Shop</title><body>{tag}</body></html>'
    page = browsing.new_page(locale="zh-CN")
    page.route(f"{STORE_ORIGIN}/", lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html))
    page.goto(f"{STORE_ORIGIN}/")
    shop = Storefront(page, base)
    shop.open_chat()

    replies = shop.ask("帮我查下我买的东西到哪了")

    expect(replies.filter(has_text="想查哪一个")).to_have_count(1)
    shot(page, "01-foreign-origin-signed-customer")


def test_the_console_and_the_trainers_page_run_under_their_csp(kefu_system: RunningKefu, browsing: Browsing, shot: Shot):
    base = kefu_system.handoff_url
    console_page = browsing.new_page(locale="zh-CN")
    console_page.add_init_script(RECORD_CSP_VIOLATIONS)
    Console(console_page, base).open().log_in()
    trainer_page = browsing.new_page(locale="zh-CN")
    trainer_page.add_init_script(RECORD_CSP_VIOLATIONS)
    TrainerPage(trainer_page, base).open().log_in()

    assert console_page.evaluate("window.cspViolations") == []
    assert trainer_page.evaluate("window.cspViolations") == []
    shot(console_page, "01-console-under-csp")
