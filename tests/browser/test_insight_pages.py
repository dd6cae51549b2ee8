"""The service insight in real Chromium, against the handoff service on seeded demo history (no
Rasa needed): the supervisor dashboard (charts drawn, demo data flagged, drill-down from a chart by
keyboard to the chats and a transcript where a shopper's HTML is text, zh/en, QA review), an agent
sees only their scorecard; the weekly report (`kefu report weekly --json`) opens with its charts.
Screenshots go to var/artifacts/browser/<test>/."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect
from typer.testing import CliRunner

from handoff_service.app import create_app
from handoff_service.core.db import make_engine, migrate
from handoff_service.insight import demo_history, history
from handoff_service.insight.history import ChatStory
from handoff_service.settings import Settings
from kefu.cli import app as kefu_cli
from store import DemoStore
from tests.browser.conftest import AGENT_PASSWORD, PHONE, Browsing
from tests.browser.pages import Storefront
from tests.conftest import ServerThread
from tests.handoff_helpers import SECRET, FakeRasa, add_agent

Shot = Callable[[Page, str], Path]
TZ = "Asia/Shanghai"
SHOPPER_HTML = '<img src=x onerror="alert(1)">衣服尺码不对'


def in_thread(fn: Callable[[], object]) -> object:
    """Playwright's sync API keeps an event loop running in this thread: other loops run beside it."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Two weeks of demo history up to yesterday, a supervisor and an agent, and one real chat of the
    agent with a shopper's HTML, rated 1."""
    folder = tmp_path_factory.mktemp("insight")
    url, store_path = f"sqlite+aiosqlite:///{folder / 'kefu.db'}", folder / "store.db"
    add_agent(url, "sue", role="supervisor", display_name="Sue")
    add_agent(url, "ann", display_name="Ann")
    yesterday = dt.datetime.now(ZoneInfo(TZ)).date() - dt.timedelta(days=1)

    async def seed() -> None:
        engine = make_engine(url)
        try:
            await migrate(engine)
            store = DemoStore(store_path)
            await demo_history.seed(engine, 2, 7, yesterday, TZ, store, chats_per_day=20)
            store.close()
            async with engine.begin() as conn:
                ann = (await conn.exec_driver_sql("SELECT id FROM agents WHERE username = 'ann'")).scalar_one()
                start = dt.datetime.combine(yesterday, dt.time(15), ZoneInfo(TZ))
                chat = ChatStory(start, "C1004").shopper(0, SHOPPER_HTML).escalate(2, "upset").join(30, ann).agent(50, "您好")
                await conn.run_sync(history.write, [chat.close(400).rate(420, 1)])
        finally:
            await engine.dispose()

    asyncio.run(seed())
    yield url, store_path


@pytest.fixture(scope="module")
def service(seeded: tuple[str, Path]) -> Iterator[str]:
    url, store_path = seeded
    settings = Settings(
        environment="development", database_url=url, store_path=store_path, handoff_secret=SECRET,
        identity_required=False, demo_agent_username=None, store_timezone=TZ, demo_customer_id="C1001",
    )  # fmt: skip
    with ServerThread(create_app(settings, rasa_transport=httpx.MockTransport(FakeRasa().handler))) as server:
        yield server.url


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/insight")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(AGENT_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("app-view")).to_be_visible()


def test_dashboard_drill_down_review_and_an_agents_own_scorecard(service: str, browsing: Browsing, shot: Shot) -> None:
    page = browsing.new_page(locale="zh-CN", viewport={"width": 1280, "height": 1500})
    log_in(page, service, "sue")
    for chart in ("heatmap", "trend", "frt", "reasons", "topics"):
        expect(page.get_by_test_id(f"chart-{chart}")).to_have_attribute("data-drawn", "true")
        assert page.get_by_test_id(f"chart-{chart}").locator("svg path, svg rect").count() > 3
    expect(page.get_by_test_id("demo-flag")).to_contain_text("演示数据")
    expect(page.locator("[data-kpi=conversations] .kpi-value")).not_to_have_text("0")
    shot(page, "01-dashboard-zh")

    # by keyboard: the "upset" escalations' chats, then the rated-1 chat's transcript
    key = page.locator("#keys-reasons [data-testid=chart-key]", has_text="顾客不满")
    key.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("drill-title")).to_be_focused()
    rows = page.get_by_test_id("drill-row")
    expect(rows.first).to_be_visible()
    opener = rows.first.get_by_test_id("drill-open")
    opener.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("chat-dialog")).to_be_visible()
    expect(page.get_by_test_id("chat-dialog-close")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("chat-dialog")).to_be_hidden()
    expect(opener).to_be_focused()

    page.get_by_test_id("tab-qa").click()
    item = page.get_by_test_id("qa-item").filter(has_text="Ann")
    expect(item).to_be_visible()
    item.get_by_test_id("qa-review").click()
    dialog = page.get_by_test_id("chat-dialog")
    expect(dialog).to_be_visible()
    shopper_line = dialog.locator("[data-testid=chat-line][data-sender=shopper]").first
    expect(shopper_line).to_contain_text(SHOPPER_HTML)  # shown as text
    assert dialog.locator("img").count() == 0
    for criterion, score in (("greeting", 5), ("empathy", 2), ("accuracy", 4), ("solution", 3), ("closing", 4)):
        page.get_by_test_id(f"review-score-{criterion}-{score}").check()
    page.get_by_test_id("review-comment").fill("先安抚情绪，再给方案")
    page.get_by_test_id("review-case").fill("尺码不对的投诉")
    shot(page, "02-qa-review")
    page.get_by_test_id("review-submit").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("qa-reviews")).to_contain_text("先安抚情绪")

    page.get_by_test_id("lang-toggle").click()
    page.get_by_test_id("tab-dashboard").click()
    expect(page.get_by_test_id("demo-flag")).to_contain_text("Demo data")
    expect(page.get_by_test_id("kpis")).to_contain_text("First response p50")
    shot(page, "03-dashboard-en")

    agent = browsing.new_page(locale="en-US")
    log_in(agent, service, "ann")
    expect(agent.get_by_test_id("tab-dashboard")).to_be_hidden()
    expect(agent.get_by_test_id("score-row")).to_have_count(1)
    expect(agent.get_by_test_id("score-row")).to_contain_text("Ann")
    expect(agent.get_by_test_id("my-reviews")).to_contain_text("先安抚情绪")
    shot(agent, "04-agent-scorecard")


def test_a_shopper_ends_a_chat_with_the_bot_rates_it_and_answers_nps_by_keyboard(service: str, browsing: Browsing, shot: Shot) -> None:
    shop = Storefront(browsing.new_page(locale="zh-CN", viewport=PHONE), service).open()
    end = shop.page.get_by_test_id("kefu-end")
    expect(end).to_be_hidden()  # no chat yet
    shop.ask("有优惠券吗")
    expect(end).to_have_text("结束咨询")
    end.click()
    expect(shop.page.get_by_test_id("kefu-ended")).to_be_visible()
    form = shop.page.get_by_test_id("kefu-csat")
    expect(form).to_contain_text("智能客服帮到您了吗")
    form.locator("[data-testid=kefu-csat-star][data-score='4']").click()
    form.get_by_test_id("kefu-csat-submit").click()
    expect(form).to_have_attribute("data-done", "true")
    nps = shop.page.get_by_test_id("kefu-nps")
    expect(nps).to_be_visible()
    first = nps.locator("[data-testid=kefu-nps-point][data-score='0']")
    first.focus()
    for _ in range(9):
        shop.page.keyboard.press("ArrowRight")
    expect(nps.locator("[data-testid=kefu-nps-point][data-score='9']")).to_have_attribute("aria-checked", "true")
    shot(shop.page, "01-nps-form")
    nps.get_by_test_id("kefu-nps-submit").click()
    expect(nps.get_by_test_id("kefu-nps-thanks")).to_contain_text("9")
    shop.page.get_by_test_id("kefu-lang").click()
    expect(nps.get_by_test_id("kefu-nps-thanks")).to_contain_text("You gave 9 out of 10")
    shot(shop.page, "02-nps-answered-en")


@pytest.mark.slow  # loads the knowledge base's encoder (seconds of CPU)
def test_the_weekly_report_prints_its_figures_and_opens_with_its_charts(
    seeded: tuple[str, Path], browsing: Browsing, shot: Shot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, store_path = seeded
    monkeypatch.setenv("KEFU_DATABASE_URL", url)
    monkeypatch.setenv("KEFU_STORE_PATH", str(store_path))
    monkeypatch.setenv("KEFU_ENVIRONMENT", "development")
    last_week = dt.datetime.now(ZoneInfo(TZ)).date() - dt.timedelta(days=7)
    week = "{}-W{:02d}".format(*last_week.isocalendar()[:2])
    result = in_thread(lambda: CliRunner().invoke(kefu_cli, ["report", "weekly", "--week", week, "--out", str(tmp_path), "--json"]))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{"):])
    figures = report["figures"]
    assert report["week"] == week and report["demo_conversations"] > 0
    for value in (figures["containment"], figures["first_contact_resolution"], figures["conversion"]["rate"], figures["resolution"]):
        assert 0 <= value <= 1
    assert figures["first_response_seconds"]["p50"] > 0 and figures["csat"]["answers"] > 0
    assert report["escalation_reasons"] and report["peak_hours"] and report["topics"]
    assert all(len(t["quotes"]) <= 3 and t["keywords"] for t in report["topics"])

    page = browsing.new_page(locale="zh-CN", viewport={"width": 1100, "height": 1400})
    page.goto((tmp_path / f"voice-{week}.html").as_uri())
    expect(page.get_by_test_id("chart-topics")).to_be_visible()
    assert page.locator("[data-testid=chart-topics] rect.bar").count() == len(report["topics"])
    assert page.locator("[data-testid=chart-reasons] rect.bar").count() == len(report["escalation_reasons"])
    expect(page.get_by_test_id("topic").first).to_be_visible()
    shot(page, "01-weekly-report")
