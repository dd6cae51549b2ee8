"""How a store embeds the widget: one <script> tag, classic (the demo storefront) or, as here, type="module".
widget.js is a small loader either way; it imports the widget's ES modules from /static/widget/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Browsing
from tests.browser.pages import Storefront
from tests.system import RunningKefu

pytestmark = pytest.mark.slow

Shot = Callable[[Page, str], Path]


def test_the_widget_embeds_as_a_module_script_and_takes_the_tags_settings(
    kefu_system: RunningKefu, browsing: Browsing, shot: Shot
):
    base = kefu_system.handoff_url
    page = browsing.new_page(locale="zh-CN")
    # a real document of kefu's origin (Chromium keeps a page made up with page.route from reaching 127.0.0.1),
    # replaced by a store page that embeds the widget as a module
    page.goto(f"{base}/healthz")
    settings = 'data-lang="en" data-shop-name="Tea House" data-color="#2f6f5e"'
    page.set_content(f'<!doctype html><title>Shop</title><script type="module" src="/widget.js" {settings}></script>')
    shop = Storefront(page, base)
    shop.open_chat()
    # data-lang beats the browser's zh-CN
    expect(page.get_by_test_id("kefu-lang")).to_have_attribute("data-lang", "en")
    expect(page.get_by_test_id("kefu-greeting")).to_contain_text("Tea House")
    expect(page.get_by_test_id("kefu-launcher")).to_have_css("background-color", "rgb(47, 111, 94)")

    replies = shop.ask("how long does shipping take?")
    expect(replies.filter(has_text="48 hours")).to_have_count(1)
    page.wait_for_function("window.kefuWidget.state().transport === 'websocket'")
    shot(page, "01-module-embed")
