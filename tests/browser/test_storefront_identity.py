"""The demo storefront in real Chromium: its signed demo customer gets order answers, the same page
with the signature tampered with gets a guest chat, and the page runs under its CSP without one
violation (a `securitypolicyviolation` listener records any)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import Browsing
from tests.browser.pages import Storefront
from tests.system import RunningKefu

pytestmark = pytest.mark.slow

Shot = Callable[[Page, str], Path]
RECORD_CSP_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.cspViolations.push(e.violatedDirective + " " + e.blockedURI));
"""


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
