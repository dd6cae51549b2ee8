"""#19 in real Chromium against the real running system: a shopper's photo the agent sees inline;
an agent asks a senior for help, the senior whispers (the shopper never sees it), a reship above
the agent's limit waits for and gets the senior's approval, and the senior takes the chat over.
Screenshots go to var/artifacts/browser/<test>/."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import AGENT_PASSWORD, PHONE, Browsing
from tests.browser.pages import Console, Storefront
from tests.system import RunningKefu

pytestmark = pytest.mark.slow

Shot = Callable[[Page, str], Path]
MakeAgent = Callable[..., str]
CONSOLE_SIZE = {"width": 1440, "height": 900}


def torn_seam_photo(folder: Path) -> Path:
    """A phone photo with its GPS position in EXIF (the service strips it)."""
    image = Image.new("RGB", (800, 600), (236, 228, 214))
    for x in range(300, 500):
        image.putpixel((x, 300 + (x % 7)), (90, 40, 40))
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    path = folder / "IMG_2041.jpg"
    path.write_bytes(out.getvalue())
    return path


def test_a_shoppers_photo_is_seen_inline_by_the_agent(
    kefu_system: RunningKefu, browsing: Browsing, shot: Shot, make_agent: MakeAgent, tmp_path: Path
):
    base = kefu_system.handoff_url
    phone = browsing.new_page(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    shop = Storefront(phone, base).open()
    conversation_id = shop.escalate("转人工")
    shop.say("衣服收到有个口子，我拍给你看")

    # the camera button opens the phone's camera (accept=image/*, capture)
    picker = phone.get_by_test_id("kefu-photo-input")
    expect(picker).to_have_attribute("accept", "image/*")
    expect(picker).to_have_attribute("capture", "environment")
    picker.set_input_files(str(torn_seam_photo(tmp_path)))
    mine = shop.rows("shopper").locator('[data-testid="kefu-photo"]')
    expect(mine).to_have_count(1)
    expect(mine).to_have_attribute("data-loaded", "true")
    assert mine.evaluate("img => img.naturalWidth") == 800  # decoded and shown, not only fetched
    shot(phone, "01-shopper-sent-a-photo-phone")

    # a file that is not a photo gets a clear message in the shopper's language
    not_photo = tmp_path / "receipt.jpg"
    not_photo.write_bytes(b"MZ\x90\x00" + b"\x00" * 4000)  # a Windows program named .jpg
    picker.set_input_files(str(not_photo))
    expect(phone.locator(".kefu-hint")).to_contain_text("只能发送图片")
    expect(mine).to_have_count(1)

    console = Console(browsing.new_page(locale="zh-CN", viewport=CONSOLE_SIZE), base).open()
    console.log_in(make_agent("莉莉 Lily"), AGENT_PASSWORD)
    console.claim(conversation_id)
    photo = console.page.locator('[data-testid="transcript-message"][data-sender="shopper"] [data-testid="transcript-photo"]')
    expect(photo).to_have_count(1)
    expect(photo).to_have_attribute("data-loaded", "true")
    assert photo.evaluate("img => img.naturalWidth") == 800
    shot(console.page, "02-agent-sees-the-photo-inline")

    # "/" in the reply box searches the reply library in the tone suggested for this shopper
    box = console.page.get_by_test_id("reply-input")
    box.press_sequentially("/致歉", delay=30)
    library = console.page.get_by_test_id("reply-library")
    expect(library).to_be_visible()
    expect(console.page.get_by_test_id("reply-tone-suggestion")).to_have_attribute("data-tone", re.compile("warm|professional|brief"))
    expect(library.get_by_test_id("library-reply").first).to_contain_text("抱歉")
    shot(console.page, "03-reply-library-from-the-slash")
    box.press("Enter")
    expect(library).to_be_hidden()
    expect(box).to_have_value(re.compile("抱歉"))
    box.press("Control+Enter")
    expect(shop.rows("agent").filter(has_text="抱歉")).to_have_count(1)

    # a promised reply: the shopper sees the time in the thread; the agent's list keeps it
    console.page.get_by_test_id("action-promise").click()
    console.page.get_by_test_id("promise-note").fill("问仓库能否换新")
    console.page.get_by_test_id("promise-submit").click()
    expect(console.page.get_by_test_id("promise-result")).to_have_attribute("data-status", "made")
    expect(console.page.get_by_test_id("promise").filter(has_text="问仓库能否换新")).to_have_count(1)
    promised = shop.page.locator('[data-testid="kefu-card"][data-card-type="promise"]')
    expect(promised).to_have_count(1)
    expect(promised.get_by_test_id("kefu-promise-due")).to_have_text(re.compile(r"^\d\d-\d\d \d\d:\d\d$"))
    assert "问仓库" not in shop.page.get_by_test_id("kefu-messages").inner_text()  # the note stays with the desk

    # the agent answers with a photo of their own; the shopper sees it under the agent's name
    reply = tmp_path / "size-chart.png"
    Image.new("RGB", (400, 300), (250, 250, 250)).save(reply, "PNG")
    console.page.get_by_test_id("reply-photo").set_input_files(str(reply))
    theirs = shop.rows("agent").locator('[data-testid="kefu-photo"]')
    expect(theirs).to_have_count(1)
    expect(theirs).to_have_attribute("data-loaded", "true")
    shot(phone, "04-shopper-sees-the-promise-and-the-agents-photo-phone")
    console.page.get_by_test_id("action-close").click()
    console.page.get_by_test_id("close-submit").click()
    expect(shop.status).to_have_attribute("data-state", "closed")


def test_a_senior_whispers_approves_a_reship_above_the_agents_limit_and_takes_over(
    kefu_system: RunningKefu, browsing: Browsing, shot: Shot, make_agent: MakeAgent
):
    base = kefu_system.handoff_url
    senior = Console(browsing.new_page(locale="zh-CN", viewport=CONSOLE_SIZE), base).open().log_in()  # the demo supervisor
    shop = Storefront(browsing.new_page(locale="zh-CN"), base).open()
    conversation_id = shop.escalate("转人工")
    shop.say("羽绒服一直没收到，物流好几天不动了，你们必须给我解决")
    agent_name = "阿杰 Jay"
    console = Console(browsing.new_page(locale="zh-CN", viewport=CONSOLE_SIZE), base).open()
    console.log_in(make_agent(agent_name), AGENT_PASSWORD)
    console.claim(conversation_id)
    console.reply("亲，非常理解您的着急，我马上帮您处理~")

    # the agent asks a senior for help; the chat stays theirs
    console.page.get_by_test_id("action-help").click()
    console.page.get_by_test_id("help-note").fill("顾客要求补发，订单 468 元超出我的额度")
    console.page.get_by_test_id("help-submit").click()
    expect(console.page.get_by_test_id("help-result")).to_have_attribute("data-status", "asked")

    # the senior sees the request with its timer and joins: the live chat opens for them
    expect(senior.page.get_by_test_id("supervisor-badge")).to_be_visible(timeout=25_000)
    senior.page.get_by_test_id("tab-supervisor").click()
    request = senior.page.locator(f'[data-testid="help-request"][data-conversation-id="{conversation_id}"]')
    expect(request).to_contain_text(agent_name)
    expect(request.get_by_test_id("help-timer")).to_contain_text(re.compile(r"已等待"))
    expect(request.get_by_test_id("help-timer")).to_have_attribute("data-overdue", "false")
    # the same view plans the day: open or not in the store's time zone, suggested agents per hour
    expect(senior.page.get_by_test_id("staff-hour")).to_have_count(24)
    expect(senior.page.get_by_test_id("staffing-now")).to_contain_text("Asia/Shanghai")
    # a shift for the agent, all of today (store time), then taken away again: the other tests' desk stays as it was
    today = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[dt.datetime.now(ZoneInfo("Asia/Shanghai")).weekday()]
    senior.page.get_by_test_id("shift-agent").select_option(label=agent_name)
    senior.page.get_by_test_id("shift-day").select_option(today)
    senior.page.get_by_test_id("shift-start").fill("00:00")
    senior.page.get_by_test_id("shift-end").fill("23:59")
    senior.page.get_by_test_id("shift-add").click()
    shift = senior.page.get_by_test_id("shift").filter(has_text=agent_name)
    expect(shift).to_have_count(1)
    expect(senior.page.get_by_test_id("staffing-now")).to_contain_text("营业中")
    shift.get_by_test_id("shift-remove").click()
    expect(shift).to_have_count(0)
    shot(senior.page, "01-senior-sees-the-help-request-with-its-timer")
    request.get_by_test_id("help-join").click()
    expect(senior.page.get_by_test_id("conv-id")).to_have_attribute("title", conversation_id)
    expect(senior.transcript("shopper").filter(has_text="物流好几天不动")).to_have_count(1)

    # a whisper: the agent reads it, the shopper never does
    whisper = "可以补发，超出额度的我来批"
    senior.page.get_by_test_id("whisper-input").fill(whisper)
    senior.page.get_by_test_id("whisper-send").click()
    expect(console.page.get_by_test_id("whisper").filter(has_text=whisper)).to_have_count(1)
    shot(console.page, "02-agent-reads-the-seniors-whisper")

    # a reship of the ¥468 order is above a plain agent's limit: it waits for the senior
    console.page.get_by_test_id("action-remedy").click()
    console.page.get_by_test_id("remedy-order").select_option("O20261111002")
    console.page.get_by_test_id("remedy-kind").select_option("reship")
    expect(console.page.get_by_test_id("remedy-limit")).to_contain_text("100")
    console.page.get_by_test_id("remedy-amount").fill("468")
    console.page.get_by_test_id("remedy-reason").fill("包裹在转运中心停滞")
    console.page.get_by_test_id("remedy-submit").click()
    result = console.page.get_by_test_id("remedy-result")
    expect(result).to_have_attribute("data-status", "pending")
    expect(result).to_contain_text("主管")
    shot(console.page, "03-reship-waits-for-approval")
    expect(shop.page.locator('[data-testid="kefu-card"][data-card-type="remedy"]')).to_have_count(0)

    senior.page.get_by_test_id("tab-supervisor").click()
    approval = senior.page.locator(f'[data-testid="remedy-approval"][data-conversation-id="{conversation_id}"]')
    expect(approval).to_contain_text("补发")
    expect(approval).to_contain_text("¥468")
    shot(senior.page, "04-senior-sees-the-reship-to-approve")
    approval.get_by_test_id("remedy-approve").click()
    expect(approval).to_have_count(0)
    expect(result).to_have_attribute("data-status", "done")

    card = shop.page.locator('[data-testid="kefu-card"][data-card-type="remedy"]')
    expect(card).to_have_count(1)
    expect(card).to_have_attribute("data-kind", "reship")
    expect(card).to_contain_text("O20261111002")
    expect(shop.page.get_by_test_id("kefu-status-title")).to_have_text(agent_name)
    shot(shop.page, "05-shopper-gets-the-reship-and-never-the-whisper")
    assert whisper not in (shop.page.get_by_test_id("kefu-messages").inner_text())

    # one click and the senior owns the chat; the shopper sees who answers now
    senior.page.get_by_test_id("tab-desk").click()
    expect(senior.page.get_by_test_id("conv-id")).to_have_attribute("title", conversation_id)
    senior.page.get_by_test_id("take-over").click()
    expect(senior.page.get_by_test_id("conv-state")).to_have_attribute("data-state", "mine")
    expect(shop.page.get_by_test_id("kefu-status-title")).not_to_have_text(agent_name)
    assert whisper not in (shop.page.get_by_test_id("kefu-messages").inner_text())
    shot(senior.page, "06-senior-took-over")
    senior.page.get_by_test_id("action-close").click()
    senior.page.get_by_test_id("close-submit").click()
    expect(shop.status).to_have_attribute("data-state", "closed")


def test_the_bot_reads_the_need_and_recommends_products_as_cards(kefu_system: RunningKefu, browsing: Browsing, shot: Shot):
    base = kefu_system.handoff_url
    phone = browsing.new_page(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    shop = Storefront(phone, base).open()
    replies = shop.ask("这个面霜保湿多久")
    expect(replies.filter(has_text="8–12 小时")).to_have_count(1)
    # the answer, then one question about what the shopper really needs, with the choices as buttons
    question = shop.rows("bot").filter(has_text="肤质")
    expect(question).to_have_count(1, timeout=30_000)
    shot(phone, "01-bot-answers-and-asks-the-skin-type-phone")
    question.get_by_test_id("kefu-button").filter(has_text="干皮").click()
    card = phone.locator('[data-testid="kefu-card"][data-card-type="products"]')
    expect(card).to_have_count(1, timeout=60_000)
    products = card.get_by_test_id("kefu-product")
    expect(products.first).to_have_attribute("data-sku", "SK-CREAM-DRY")
    expect(card.locator('[data-sku="SK-LOTION-OILY"]')).to_have_count(0)  # for oily skin: not offered
    add = products.first.get_by_test_id("kefu-add-to-cart")
    expect(add).to_have_text("加入购物车")
    expect(add).to_have_attribute("href", re.compile(r"add=SK-CREAM-DRY"))
    card.scroll_into_view_if_needed()
    shot(phone, "02-recommendation-cards-phone")
