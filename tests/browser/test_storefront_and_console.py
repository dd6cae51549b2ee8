"""Shoppers and an agent in real Chromium against the real running system (trained Rasa model,
action server, handoff service): the storefront widget and the agent console, step by step, with a
screenshot of each step under var/artifacts/browser/<test>/."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, Browsing
from tests.browser.pages import BOT_TIMEOUT, Console, Storefront
from tests.system import RunningKefu

pytestmark = pytest.mark.slow

Shot = Callable[[Page, str], Path]
XSS = "<img src=x onerror=alert(1)>"
CONSOLE_SIZE = {"width": 1440, "height": 900}


def test_shopper_gets_answers_from_the_bot_in_chinese(kefu_system: RunningKefu, browsing: Browsing, shot: Shot):
    shop = Storefront(browsing.new_page(locale="zh-CN"), kefu_system.handoff_url)
    shop.page.goto(f"{kefu_system.handoff_url}/")
    shot(shop.page, "01-storefront")
    shop.open_chat()
    expect(shop.page.get_by_test_id("kefu-status-title")).to_have_text("智能客服")
    expect(shop.page.get_by_test_id("kefu-lang")).to_have_attribute("data-lang", "zh")
    shot(shop.page, "02-widget-open")

    replies = shop.ask("你好")
    expect(replies.last).not_to_be_empty()
    replies = shop.ask("什么时候发货")
    expect(replies.filter(has_text="48 小时")).to_have_count(1)
    expect(shop.status).to_have_attribute("data-state", "bot")
    shot(shop.page, "03-bot-answers")


def test_shopper_gets_answers_from_the_bot_in_english(kefu_system: RunningKefu, browsing: Browsing, shot: Shot):
    shop = Storefront(browsing.new_page(locale="en-US"), kefu_system.handoff_url).open()
    expect(shop.page.get_by_test_id("kefu-status-title")).to_have_text("Assistant")
    expect(shop.page.get_by_test_id("kefu-input")).to_have_attribute("placeholder", re.compile("Type a message"))
    shot(shop.page, "01-widget-open")

    replies = shop.ask("how long does shipping take?")
    expect(replies.filter(has_text="48 hours")).to_have_count(1)
    shot(shop.page, "02-bot-answers")

    # the shopper can switch the widget's language; the transcript stays as it was
    shop.page.get_by_test_id("kefu-lang").click()
    expect(shop.page.get_by_test_id("kefu-lang")).to_have_attribute("data-lang", "zh")
    expect(shop.page.get_by_test_id("kefu-status-title")).to_have_text("智能客服")
    expect(replies.filter(has_text="48 hours")).to_have_count(1)
    shot(shop.page, "03-switched-to-chinese")


def test_escalation_claim_reply_reload_and_hand_back(kefu_system: RunningKefu, browsing: Browsing, shot: Shot):
    base = kefu_system.handoff_url
    shop = Storefront(browsing.new_page(locale="zh-CN"), base).open()
    shop.ask("什么时候发货")

    # the shopper asks for a person: the header and a notice show the place in the queue
    shop.say("转人工")
    expect(shop.status).to_have_attribute("data-state", "queued", timeout=BOT_TIMEOUT)
    expect(shop.status).to_contain_text(re.compile(r"您排在第 \d+ 位|下一位就是您"))
    # an estimate in minutes once someone is online; until then an honest "please hold on"
    expect(shop.page.get_by_test_id("kefu-queue-wait")).to_have_text(re.compile("预计|请稍候"))
    expect(shop.notices().filter(has_text=re.compile(r"您目前排在第 \d+ 位"))).to_have_count(1)
    shot(shop.page, "01-shopper-queued")
    conversation_id = shop.conversation_id()
    assert conversation_id

    # the agent logs in, sees the chat in the queue with the reason, opens and claims it
    console = Console(browsing.new_page(locale="zh-CN", viewport=CONSOLE_SIZE), base).open()
    shot(console.page, "02-console-login")
    console.log_in()
    expect(console.page.get_by_test_id("agent-name")).to_contain_text("小美")
    item = console.queue_item(conversation_id)
    expect(item).to_have_attribute("data-state", "queued")
    expect(item.get_by_test_id("queue-reason")).to_have_attribute("data-reason", "explicit_request")
    expect(item.get_by_test_id("queue-reason")).to_have_text("顾客要求转人工")
    shot(console.page, "03-console-queue")

    console.open_chat(conversation_id)
    expect(console.page.get_by_test_id("escalation-reason")).to_have_attribute("data-reason", "explicit_request")
    expect(console.transcript("shopper").filter(has_text="转人工")).to_have_count(1)
    console.page.get_by_test_id("claim").click()
    expect(console.page.get_by_test_id("conv-state")).to_have_attribute("data-state", "mine")
    expect(item).to_have_attribute("data-mine", "true")

    # the customer 360 panel and why the bot escalated
    expect(console.page.get_by_test_id("customer-name")).to_have_text("林晓雨")
    expect(console.page.get_by_test_id("customer-order")).to_have_count(3)
    expect(console.page.get_by_test_id("customer-order-count")).to_have_text("3")
    expect(console.page.get_by_test_id("escalation-reason")).to_have_text("顾客要求转人工")

    reply = "亲，我是小美，您的羽绒服已经在路上了~"
    console.reply(reply)
    expect(console.page.get_by_test_id("toast")).to_be_hidden()
    shot(console.page, "04-console-claimed-and-replied")

    # the shopper sees who is answering now, and the reply
    expect(shop.status).to_have_attribute("data-state", "agent")
    expect(shop.page.get_by_test_id("kefu-status-title")).to_have_text("小美 Mia")
    agent_said = shop.rows("agent").filter(has_text=reply)
    expect(agent_said).to_have_count(1)
    expect(agent_said).to_contain_text("小美 Mia")
    shot(shop.page, "05-shopper-sees-agent")

    # a reload mid-chat keeps the transcript: same rows, same order, nothing twice
    before = shop.transcript()
    shop.page.reload()
    shop.open_chat()
    expect(shop.messages).to_have_count(len(before))
    after = shop.transcript()
    assert after == before
    seqs = [seq for seq, _, _ in after]
    assert None not in seqs and len(set(seqs)) == len(seqs)
    expect(shop.page.get_by_test_id("kefu-status-title")).to_have_text("小美 Mia")
    shot(shop.page, "06-shopper-after-reload")

    # the shopper writes back; the agent hands the chat back to the bot
    console_before = console.transcript("shopper").count()
    shop.say("好的，谢谢！")
    expect(console.transcript("shopper")).to_have_count(console_before + 1)
    console.page.get_by_test_id("handback-outcome").select_option("resolved")
    console.page.get_by_test_id("handback").click()
    expect(console.page.get_by_test_id("conv-state")).to_have_attribute("data-state", "bot")
    shot(console.page, "07-console-handed-back")

    # the bot answers the shopper's next question again
    expect(shop.status).to_have_attribute("data-state", "bot")
    expect(shop.page.get_by_test_id("kefu-status-title")).to_have_text("智能客服")
    replies = shop.ask("多久能发货呀")
    expect(replies.filter(has_text="48 小时")).to_have_count(2)
    shot(shop.page, "08-bot-again")


def test_shopper_html_is_shown_as_text_and_runs_nothing(kefu_system: RunningKefu, browsing: Browsing, shot: Shot):
    base = kefu_system.handoff_url
    shop = Storefront(browsing.new_page(locale="zh-CN"), base).open()
    shop.say(XSS)
    expect(shop.rows("shopper").first).to_have_text(re.compile(re.escape(XSS)))
    shop.say("转人工")
    expect(shop.status).to_have_attribute("data-state", "queued", timeout=BOT_TIMEOUT)
    conversation_id = shop.conversation_id()
    assert conversation_id

    console = Console(browsing.new_page(locale="en-US", viewport=CONSOLE_SIZE), base).open().log_in()
    console.open_chat(conversation_id)
    shown = console.transcript("shopper").filter(has_text=XSS)
    expect(shown).to_have_count(1)
    expect(shown.locator(".bubble")).to_have_text(XSS)
    shot(console.page, "01-console-shows-markup-as-text")
    shot(shop.page, "02-widget-shows-markup-as-text")

    for page in (shop.page, console.page):
        expect(page.locator('img[src="x"]')).to_have_count(0)
    assert browsing.watch.dialogs == []


def test_a_second_shopper_cannot_open_the_first_ones_conversation(
    kefu_system: RunningKefu, browsing: Browsing, shot: Shot
):
    base = kefu_system.handoff_url
    first = Storefront(browsing.new_page(locale="zh-CN"), base).open()
    first.ask("什么时候发货")
    first_id = first.conversation_id()
    assert first_id
    stored = json.loads(first.page.evaluate("localStorage.getItem('kefu.widget.v1.C1001')"))
    assert stored["conversation_id"] == first_id

    # another browser, with the first chat's id but not its token in its storage
    forged = json.dumps({"conversation_id": first_id, "token": "forged-" + "0" * 32, "seq": 0})
    page = browsing.new_page(locale="zh-CN")
    page.add_init_script(f"localStorage.setItem('kefu.widget.v1.C1001', {json.dumps(forged)})")
    second = Storefront(page, base)
    with page.expect_response(lambda r: f"/api/sessions/{first_id}/events" in r.url) as refused:
        page.goto(f"{base}/")
    assert refused.value.status == 403
    second.open_chat()
    page.wait_for_function("window.kefuWidget.state().conversation_id === null")
    expect(second.messages).to_have_count(0)

    second.ask("你好")
    assert second.conversation_id() not in (None, first_id)
    expect(second.rows("shopper").filter(has_text="什么时候发货")).to_have_count(0)
    expect(second.messages.filter(has_text="48 小时")).to_have_count(0)
    first_seqs = {seq for seq, _, _ in first.transcript()}
    assert first_seqs.isdisjoint(seq for seq, _, _ in second.transcript())
    shot(page, "01-second-shopper-fresh-chat")

    # the first shopper's chat is untouched
    expect(first.messages.filter(has_text="48 小时")).to_have_count(1)
    assert first.conversation_id() == first_id


def test_widget_fills_a_phone_screen(kefu_system: RunningKefu, browsing: Browsing, shot: Shot):
    page = browsing.new_page(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    shop = Storefront(page, kefu_system.handoff_url)
    page.goto(f"{kefu_system.handoff_url}/")
    shot(page, "01-storefront-phone")
    shop.open_chat()
    box = page.get_by_test_id("kefu-panel").bounding_box()
    assert box and (box["x"], box["width"]) == (0, PHONE["width"])
    expect(page.get_by_test_id("kefu-launcher")).to_be_hidden()
    quick = page.get_by_test_id("kefu-quick-item").first
    expect(quick).to_be_visible()
    shot(page, "02-widget-phone")

    replies = shop.ask("什么时候发货")
    expect(replies.filter(has_text="48 小时")).to_have_count(1)
    expect(page.get_by_test_id("kefu-input")).to_be_in_viewport()
    shot(page, "03-answer-phone")
    page.get_by_test_id("kefu-close").click()
    expect(page.get_by_test_id("kefu-launcher")).to_be_visible()
