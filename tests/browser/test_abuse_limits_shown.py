"""What a person sees when an abuse limit stops them, in Chromium: the shopper who sends too fast is
told in their language and the message goes out once the service's Retry-After has passed; a staff
login over its limit says so instead of "wrong password". The service runs in-process (uvicorn on a
free port, a fake Rasa at the HTTP seam) with tight limits, so no real Rasa is needed."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from handoff_service.app import create_app
from handoff_service.settings import Settings
from tests.browser.conftest import AGENT_PASSWORD, Browsing
from tests.browser.pages import Console, Storefront
from tests.conftest import ServerThread
from tests.handoff_helpers import SECRET, FakeRasa, add_agent, database


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[str]:
    with database("sqlite", tmp_path) as url:
        # Messages are counted in a sliding-window counter (core/limits.py), which weighs the last
        # window's count: a window long against the test's pace keeps the third message refused.
        # in a thread: Playwright's sync API keeps an event loop running in this one
        with ThreadPoolExecutor(1) as thread:
            thread.submit(add_agent, url, "mia").result()
        settings = Settings(
            environment="development", database_url=url, handoff_secret=SECRET, demo_agent_username=None,
            limit_messages_per_session="2/20second", limit_login_failures_per_username="1/minute",
        )  # fmt: skip
        with ServerThread(create_app(settings, rasa_transport=httpx.MockTransport(FakeRasa().handler))) as server:
            yield server.url


def test_a_shopper_sending_too_fast_is_told_and_the_message_still_goes(limited: str, browsing: Browsing):
    page = browsing.new_page(locale="zh-CN")
    shop = Storefront(page, limited).open()
    shop.say("第一条")
    shop.say("第二条")
    box = page.get_by_test_id("kefu-input")
    box.fill("第三条")
    box.press("Enter")
    expect(page.locator(".kefu-hint")).to_contain_text("发得太快啦")
    expect(shop.rows("shopper").filter(has_text="第三条")).to_have_attribute("data-status", "sent", timeout=45_000)
    expect(page.locator(".kefu-hint")).to_be_hidden()
    assert browsing.watch.errors == []


def test_a_throttled_login_says_so_in_the_pages_language(limited: str, browsing: Browsing):
    page = browsing.new_page(locale="en-US")
    Console(page, limited).open()
    error = page.get_by_test_id("login-error")
    for expected in ("Wrong username or password", "Too many login attempts; try again in"):
        page.get_by_test_id("login-username").fill("mia")
        page.get_by_test_id("login-password").fill("not-" + AGENT_PASSWORD)
        page.get_by_test_id("login-submit").click()
        expect(error).to_contain_text(expected)
    assert browsing.watch.errors == []
