"""Browser fixtures: Debian's Chromium driven by Playwright (sync API), against the real running
system (`kefu_system` from tests/system.py). Screenshots of each step go to var/artifacts/browser/."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, expect, sync_playwright

from tests.conftest import ROOT
from tests.handoff_helpers import add_agent
from tests.system import RunningKefu

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = ROOT / "var/artifacts/browser"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
AGENT_PASSWORD = "password-123"  # what tests.handoff_helpers.add_agent gives every account


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for a test module. Not for the whole session: while Playwright's sync API is
    running it leaves its asyncio loop marked as running in the main thread, and every async test
    collected after tests/browser would then fail with "cannot be called from a running event loop"."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (scripts/setup.sh installs it with apt as root)")
    expect.set_options(timeout=15_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Watch:
    """What a page did that nobody asked for: dialogs (alert/confirm/prompt) and uncaught script errors."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class Browsing:
    """Opens browser contexts (one per person: own storage, own viewport) and closes them after the test."""

    browser: Browser
    watch: Watch = field(default_factory=Watch)
    contexts: list[BrowserContext] = field(default_factory=list)

    def new_page(self, locale: str = "zh-CN", viewport: dict[str, int] | None = None, **options: Any) -> Page:
        context = self.browser.new_context(locale=locale, viewport=viewport or DESKTOP, **options)
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()

        def on_dialog(dialog: Dialog) -> None:
            self.watch.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: self.watch.errors.append(str(error)))
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsing(browser: Browser) -> Iterator[Browsing]:
    browsing = Browsing(browser)
    yield browsing
    browsing.close()
    assert browsing.watch.dialogs == [], "a page opened a dialog"
    assert browsing.watch.errors == [], "a page threw an uncaught error"


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """`shot(page, "03-queued")` saves var/artifacts/browser/<test name>/03-queued.png."""
    folder = ARTIFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)  # no stale pictures from an earlier run

    def save(page: Page, name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), animations="disabled", caret="hide")
        return path

    return save


@pytest.fixture
def make_agent(kefu_system: RunningKefu) -> Callable[..., str]:
    """`make_agent("莉莉 Lily", role="agent")` adds a desk account to the running system's database
    and returns its (unique) username; the password is AGENT_PASSWORD. New accounts start offline,
    so nothing is auto-assigned to them until a test sets them online."""

    def make(display_name: str, **fields: Any) -> str:
        username = f"agent-{uuid.uuid4().hex[:8]}"
        # in a thread: Playwright's sync API keeps an event loop running in this one
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(add_agent, kefu_system.database_url, username, display_name=display_name, **fields).result()
        return username

    return make
