"""The two pages as a shopper and an agent use them, through their data-testid hooks
(listed at the top of handoff_service/static/widget.js and console.js)."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

BOT_TIMEOUT = 60_000  # the first answers wait for the knowledge-base encoder and Rasa to warm up


class Storefront:
    """The demo store at `/` with the chat widget, as one shopper sees it."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open(self) -> Storefront:
        self.page.goto(f"{self.base_url}/")
        self.open_chat()
        return self

    def open_chat(self) -> None:
        self.page.get_by_test_id("kefu-launcher").click()
        expect(self.page.get_by_test_id("kefu-panel")).to_have_attribute("data-open", "true")

    @property
    def status(self) -> Locator:
        return self.page.get_by_test_id("kefu-status")

    @property
    def messages(self) -> Locator:
        return self.page.get_by_test_id("kefu-message")

    def rows(self, sender: str) -> Locator:
        return self.page.locator(f'[data-testid="kefu-message"][data-sender="{sender}"]')

    def notices(self) -> Locator:
        return self.page.get_by_test_id("kefu-notice")

    def say(self, text: str) -> None:
        """Type and press Enter; returns once the server has stored the message."""
        box = self.page.get_by_test_id("kefu-input")
        box.fill(text)
        box.press("Enter")
        expect(self.rows("shopper").filter(has_text=text).last).to_have_attribute("data-status", "sent")

    def ask(self, text: str, sender: str = "bot") -> Locator:
        """Say `text` and wait for the next reply from `sender`; returns the replies from then on."""
        before = self.rows(sender).count()
        self.say(text)
        expect(self.rows(sender).nth(before)).to_be_visible(timeout=BOT_TIMEOUT)
        return self.rows(sender)

    def escalate(self, text: str = "转人工") -> str:
        """Ask for a person; returns the conversation id once the widget shows the queue."""
        self.say(text)
        expect(self.status).to_have_attribute("data-state", "queued", timeout=BOT_TIMEOUT)
        conversation_id = self.conversation_id()
        assert conversation_id
        return conversation_id

    def queue_position(self) -> int:
        """The place shown in the waiting banner (updated live by the service's queue frames)."""
        position = self.page.get_by_test_id("kefu-queue-position")
        expect(position).to_have_attribute("data-position", re.compile(r"^\d+$"))
        return int(position.get_attribute("data-position") or 0)

    def conversation_id(self) -> str | None:
        return self.page.evaluate("window.kefuWidget.state().conversation_id")

    def transcript(self) -> list[tuple[str | None, str | None, str]]:
        """(seq, sender, text) of every message row, top to bottom."""
        return self.messages.evaluate_all(
            "rows => rows.map(r => [r.dataset.seq || null, r.dataset.sender || null,"
            " (r.querySelector('.kefu-bubble') || r).textContent])"
        )


class Console:
    """The agent console at `/console`."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open(self) -> Console:
        self.page.goto(f"{self.base_url}/console")
        expect(self.page.get_by_test_id("login-view")).to_be_visible()
        return self

    def log_in(self, username: str = "agent", password: str = "kefu-demo") -> Console:
        self.page.get_by_test_id("login-username").fill(username)
        self.page.get_by_test_id("login-password").fill(password)
        self.page.get_by_test_id("login-submit").click()
        expect(self.page.get_by_test_id("app-view")).to_be_visible()
        expect(self.page.get_by_test_id("conn-status")).to_have_attribute("data-state", re.compile("live|polling"))
        return self

    def queue_item(self, conversation_id: str) -> Locator:
        return self.page.locator(f'[data-testid="queue-item"][data-conversation-id="{conversation_id}"]')

    def open_chat(self, conversation_id: str) -> None:
        self.queue_item(conversation_id).click()
        expect(self.page.get_by_test_id("conv-id")).to_have_attribute("title", conversation_id)

    def transcript(self, sender: str) -> Locator:
        return self.page.locator(f'[data-testid="transcript-message"][data-sender="{sender}"]')

    def claim(self, conversation_id: str) -> None:
        self.open_chat(conversation_id)
        self.page.get_by_test_id("claim").click()
        expect(self.page.get_by_test_id("conv-state")).to_have_attribute("data-state", "mine")

    def set_status(self, status: str) -> None:
        self.page.get_by_test_id(f"status-{status}").click()
        expect(self.page.get_by_test_id("status-toggle")).to_have_attribute("data-status", status)

    def reply(self, text: str) -> None:
        self.page.get_by_test_id("reply-input").fill(text)
        self.page.get_by_test_id("reply-send").click()
        # confirmed by the server: the row has its sequence number
        expect(self.transcript("agent").filter(has_text=text).last).to_have_attribute("data-seq", re.compile(r"^\d+$"))


class TrainerPage:
    """The trainer's page at `/trainer` (hooks listed at the top of handoff_service/static/trainer.js)."""

    RETRAIN_TIMEOUT = 900_000  # a full training run takes ~80 s on a quiet machine; CI machines are slower

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def open(self) -> TrainerPage:
        self.page.goto(f"{self.base_url}/trainer")
        expect(self.page.get_by_test_id("login-view")).to_be_visible()
        return self

    def log_in(self, username: str = "trainer", password: str = "kefu-demo") -> TrainerPage:
        self.page.get_by_test_id("login-username").fill(username)
        self.page.get_by_test_id("login-password").fill(password)
        self.page.get_by_test_id("login-submit").click()
        expect(self.page.get_by_test_id("app-view")).to_be_visible()
        return self

    def group(self, text: str) -> Locator:
        """The inbox group holding `text` (the inbox is reloaded until it shows up)."""
        group = self.page.get_by_test_id("inbox-group").filter(
            has=self.page.get_by_test_id("group-text").filter(has_text=re.compile(f"^{re.escape(text)}$"))
        )
        for _ in range(30):
            if group.count():
                break
            self.page.get_by_test_id("inbox-refresh").click()
            self.page.wait_for_timeout(1000)
        expect(group).to_have_count(1)
        return group

    def retrain(self) -> None:
        """Start a retrain and wait for its end (live, switched, waiting for confirmation, or failed)."""
        self.page.get_by_test_id("tab-retrain").click()
        self.page.get_by_test_id("retrain-start").click()
        expect(self.page.get_by_test_id("retrain-step").first).to_be_visible()
        expect(self.page.get_by_test_id("retrain-status")).to_have_attribute(
            "data-status", re.compile("switched|needs_confirmation|failed"), timeout=self.RETRAIN_TIMEOUT
        )
