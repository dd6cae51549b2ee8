"""The desk as shoppers and agents use it day to day, in real Chromium against the real running
system: the queue moving live, suggested replies, coupons (within an agent's limit and, above it,
approved by a supervisor), closing with a satisfaction rating, auto-assignment with a notification.
Screenshots of each step go to var/artifacts/browser/<test>/."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import AGENT_PASSWORD, PHONE, Browsing
from tests.browser.pages import BOT_TIMEOUT, Console, Storefront
from tests.system import RunningKefu

pytestmark = pytest.mark.slow

Shot = Callable[[Page, str], Path]
MakeAgent = Callable[..., str]
CONSOLE_SIZE = {"width": 1440, "height": 900}


def test_queue_position_moves_live_when_a_chat_ahead_is_taken(
    kefu_system: RunningKefu, browsing: Browsing, shot: Shot, make_agent: MakeAgent
):
    base = kefu_system.handoff_url
    first = Storefront(browsing.new_page(locale="zh-CN"), base).open()
    first_id = first.escalate("转人工")
    expect(first.page.get_by_test_id("kefu-queue")).to_be_visible()
    ahead = first.queue_position()

    # a second shopper, in English on a phone, waits behind the first
    phone = browsing.new_page(locale="en-US", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    second = Storefront(phone, base).open()
    second.escalate("i want to talk to a human")
    behind = second.queue_position()
    assert behind > ahead
    expect(second.status).to_contain_text(re.compile(rf"number {behind} in the queue"))
    # nobody is online yet: the widget promises no number of minutes it cannot keep
    expect(phone.get_by_test_id("kefu-queue-wait")).to_have_text(
        re.compile(r"min wait|Less than a minute|Any moment|someone will be with you shortly")
    )
    expect(phone.get_by_test_id("kefu-leave")).to_be_in_viewport()
    shot(first.page, "01-first-shopper-queued")
    shot(phone, "02-second-shopper-queued-phone")

    # an agent takes the first chat: the second shopper moves up without reloading
    console = Console(browsing.new_page(locale="zh-CN", viewport=CONSOLE_SIZE), base).open()
    console.log_in(make_agent("莉莉 Lily"), AGENT_PASSWORD)
    # Only the chat's own agent sees the shopper's name in full; the queue masks it (SECURITY.md, "Privacy").
    expect(console.queue_item(first_id).get_by_test_id("queue-name")).to_have_text("林**")
    console.claim(first_id)
    phone.wait_for_function(f"window.kefuWidget.state().position < {behind}")
    now = phone.evaluate("window.kefuWidget.state().position")
    expect(phone.get_by_test_id("kefu-queue-position")).to_have_attribute("data-position", str(now))
    expect(second.status).to_contain_text(re.compile(rf"number {now} in the queue|You are next"))
    expect(first.page.get_by_test_id("kefu-status-title")).to_have_text("莉莉 Lily")
    expect(first.page.get_by_test_id("kefu-queue")).to_be_hidden()
    shot(phone, "03-second-shopper-moved-up-phone")

    # keyboard: Alt+↑ / Alt+↓ walk the list (the waiting chats are above mine); "?" shows the help
    conv_id = console.page.get_by_test_id("conv-id")
    console.page.keyboard.press("Alt+ArrowUp")
    expect(conv_id).not_to_have_attribute("title", first_id)
    console.page.keyboard.press("Alt+ArrowDown")
    expect(conv_id).to_have_attribute("title", first_id)
    console.page.get_by_test_id("transcript").focus()
    console.page.keyboard.press("?")
    expect(console.page.get_by_test_id("shortcuts-help")).to_be_visible()
    shot(console.page, "04-console-shortcuts")
    console.page.keyboard.press("Escape")
    expect(console.page.get_by_test_id("shortcuts-help")).to_be_hidden()

    # the second shopper gives up waiting, and can start over
    phone.get_by_test_id("kefu-leave").click()
    expect(second.status).to_have_attribute("data-state", "closed")
    expect(phone.get_by_test_id("kefu-ended")).to_be_visible()
    expect(phone.get_by_test_id("kefu-input")).to_be_hidden()
    shot(phone, "05-second-shopper-left-phone")
    phone.get_by_test_id("kefu-new-chat").click()
    expect(second.status).to_have_attribute("data-state", "bot")
    expect(second.messages).to_have_count(0)
    expect(phone.get_by_test_id("kefu-input")).to_be_visible()
    assert second.conversation_id() is None

    console.page.get_by_test_id("handback-outcome").select_option("resolved")
    console.page.get_by_test_id("handback").click()
    expect(first.status).to_have_attribute("data-state", "bot")


def test_suggested_reply_coupon_card_close_and_rating(
    kefu_system: RunningKefu, browsing: Browsing, shot: Shot, make_agent: MakeAgent
):
    base = kefu_system.handoff_url
    phone = browsing.new_page(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    shop = Storefront(phone, base).open()
    conversation_id = shop.escalate("转人工")
    console = Console(browsing.new_page(locale="zh-CN", viewport=CONSOLE_SIZE), base).open()
    console.log_in(make_agent("阿杰 Jay"), AGENT_PASSWORD)
    console.claim(conversation_id)

    # the shopper asks; the console suggests replies for that message: the knowledge base's best
    # answers and the canned replies filled in for this customer
    shop.page.get_by_test_id("kefu-input").press_sequentially("我的羽绒服", delay=30)
    expect(console.page.get_by_test_id("shopper-typing")).to_contain_text("林晓雨")  # the agent sees the shopper typing
    shop.say("亲，这件羽绒服付款后多久能发货？")
    expect(console.page.get_by_test_id("suggestions-for")).to_contain_text("发货", timeout=BOT_TIMEOUT)
    expect(console.page.locator('[data-testid="suggestion"][data-kind="knowledge"]').first).to_be_visible()
    suggestion = console.page.locator('[data-testid="suggestion"][data-kind="canned"]').first
    text = suggestion.get_attribute("data-text") or ""
    assert "林晓雨" in text  # filled with the customer's name
    suggestion.click()
    box = console.page.get_by_test_id("reply-input")
    expect(box).to_have_value(text)
    expect(box).to_be_focused()

    # the reply stays editable; while the agent types, the shopper sees who is typing
    box.press("End")
    box.press_sequentially(" 我帮您盯着物流~", delay=30)
    typing = shop.page.get_by_test_id("kefu-typing")
    expect(typing).to_be_visible()
    expect(typing).to_have_attribute("data-who", "agent")
    expect(typing).to_contain_text("阿杰 Jay")
    shot(console.page, "01-console-suggestion-inserted")
    box.press("Control+Enter")
    sent = text + " 我帮您盯着物流~"
    expect(console.transcript("agent").filter(has_text="我帮您盯着物流~").last).to_have_attribute("data-seq", re.compile(r"^\d+$"))
    expect(shop.rows("agent").last.locator(".kefu-bubble")).to_have_text(sent)
    expect(typing).to_be_hidden()

    # a coupon within the agent's limit is issued at once and shows as a card in the widget
    console.page.get_by_test_id("action-coupon").click()
    console.page.get_by_test_id("coupon-amount").fill("10")
    console.page.get_by_test_id("coupon-reason").fill("物流慢，致歉")
    console.page.get_by_test_id("coupon-submit").click()
    expect(console.page.get_by_test_id("coupon-result")).to_have_attribute("data-status", "issued")
    card = shop.page.locator('[data-testid="kefu-card"][data-card-type="coupon"]')
    expect(card).to_have_count(1)
    expect(card.get_by_test_id("kefu-card-code")).to_have_text(re.compile(r"^\w+$"))
    expect(card).to_contain_text("10")
    expect(card).to_be_in_viewport()
    expect(console.page.locator('[data-testid="transcript-card"][data-card-type="coupon"]')).to_have_count(1)
    shot(console.page, "02-console-coupon-issued")
    shot(phone, "03-widget-coupon-card-phone")

    # the agent closes the chat: the shopper is asked for 1-5 stars and a comment
    console.page.get_by_test_id("action-close").click()
    console.page.get_by_test_id("close-submit").click()
    expect(shop.status).to_have_attribute("data-state", "closed")
    form = shop.page.get_by_test_id("kefu-csat")
    expect(form).to_be_in_viewport(ratio=1)  # brought into view, not left below the fold
    expect(shop.page.get_by_test_id("kefu-input")).to_be_hidden()
    expect(shop.page.get_by_test_id("kefu-new-chat")).to_be_visible()
    shot(phone, "04-widget-asks-for-a-rating-phone")
    stars = shop.page.get_by_test_id("kefu-csat-star")
    expect(stars).to_have_count(5)
    stars.nth(2).click()
    stars.nth(2).press("ArrowRight")  # keyboard: the arrows move the choice
    expect(stars.nth(3)).to_have_attribute("aria-checked", "true")
    expect(stars.nth(3)).to_be_focused()
    shop.page.get_by_test_id("kefu-csat-comment").fill("回复很快，谢谢")
    shop.page.get_by_test_id("kefu-csat-submit").click()
    expect(form).to_have_attribute("data-done", "true")
    expect(form).to_have_attribute("data-score", "4")
    expect(shop.page.get_by_test_id("kefu-csat-thanks")).to_be_visible()
    shot(phone, "05-widget-rated-phone")
    rating = console.page.locator('[data-testid="transcript-notice"][data-kind="csat"]')
    expect(rating).to_have_attribute("data-score", "4")
    expect(rating).to_contain_text("回复很快，谢谢")
    expect(console.page.get_by_test_id("conv-state")).to_have_attribute("data-state", "closed")
    shot(console.page, "06-console-closed-and-rated")

    # a reload keeps the closed chat and its rating; then the shopper starts a new chat
    shop.page.reload()
    shop.open_chat()
    expect(form).to_have_attribute("data-done", "true")
    expect(form).to_have_attribute("data-score", "4")
    shop.page.get_by_test_id("kefu-new-chat").click()
    expect(shop.status).to_have_attribute("data-state", "bot")
    replies = shop.ask("什么时候发货")
    expect(replies.filter(has_text="48 小时")).to_have_count(1)
    assert shop.conversation_id() not in (None, conversation_id)


def test_supervisor_approves_a_coupon_above_the_agents_limit(
    kefu_system: RunningKefu, browsing: Browsing, shot: Shot, make_agent: MakeAgent
):
    base = kefu_system.handoff_url
    supervisor = Console(browsing.new_page(locale="en-US", viewport=CONSOLE_SIZE), base).open().log_in()
    expect(supervisor.page.get_by_test_id("tab-supervisor")).to_be_visible()

    shop = Storefront(browsing.new_page(locale="zh-CN"), base).open()
    conversation_id = shop.escalate("转人工")
    shop.say("收到的包裹破了，里面的开衫也弄脏了")  # waits for the agent; the bot stays silent
    agent_name = "莉莉 Lily"
    username = make_agent(agent_name)
    console = Console(browsing.new_page(locale="zh-CN", viewport=CONSOLE_SIZE), base).open()
    console.log_in(username, AGENT_PASSWORD)
    expect(console.page.get_by_test_id("tab-supervisor")).to_be_hidden()  # a plain agent
    console.claim(conversation_id)
    console.reply("亲，包裹破损真的很抱歉！我给您申请一张 50 元的补偿券，请稍等~")

    # ¥50 is above a plain agent's limit: it waits for a supervisor
    console.page.get_by_test_id("action-coupon").click()
    console.page.get_by_test_id("coupon-amount").fill("50")
    console.page.get_by_test_id("coupon-reason").fill("包裹破损补偿")
    console.page.get_by_test_id("coupon-submit").click()
    result = console.page.get_by_test_id("coupon-result")
    expect(result).to_have_attribute("data-status", "pending")
    expect(result).to_contain_text("主管")
    shot(console.page, "01-agent-coupon-waits-for-a-supervisor")
    expect(shop.page.get_by_test_id("kefu-card")).to_have_count(0)

    # the supervisor is told (the badge on the tab), sees everyone's load and the request, and approves it
    expect(supervisor.page.get_by_test_id("supervisor-badge")).to_be_visible(timeout=25_000)
    supervisor.page.get_by_test_id("tab-supervisor").click()
    expect(supervisor.page.get_by_test_id("supervisor-view")).to_be_visible()
    row = supervisor.page.locator(f'[data-testid="agent-row"][data-username="{username}"]')
    expect(row.get_by_test_id("agent-load")).to_have_text("1 / 3")
    request = supervisor.page.locator(f'[data-testid="approval"][data-conversation-id="{conversation_id}"]')
    expect(request).to_contain_text("¥50")
    expect(request).to_contain_text("包裹破损补偿")
    expect(request).to_contain_text(agent_name)
    shot(supervisor.page, "02-supervisor-view-with-the-request")
    request.get_by_test_id("approval-approve").click()
    expect(request).to_have_count(0)

    # the shopper gets the ¥50 coupon as a card; the agent sees it in the transcript
    card = shop.page.locator('[data-testid="kefu-card"][data-card-type="coupon"]')
    expect(card).to_have_count(1)
    expect(card).to_contain_text("50")
    expect(card).to_be_in_viewport()
    expect(shop.page.get_by_test_id("kefu-status-title")).to_have_text(agent_name)  # still Lily's chat
    expect(console.page.locator('[data-testid="transcript-card"][data-card-type="coupon"]')).to_have_count(1)
    shot(shop.page, "03-widget-approved-coupon")
    shot(supervisor.page, "04-supervisor-view-after-approval")

    console.page.get_by_test_id("action-close").click()
    console.page.get_by_test_id("close-submit").click()
    expect(shop.status).to_have_attribute("data-state", "closed")


def test_an_agent_who_goes_online_gets_the_next_chat_with_a_notification(
    kefu_system: RunningKefu, browsing: Browsing, shot: Shot, make_agent: MakeAgent
):
    base = kefu_system.handoff_url
    # speaks English only, so the Chinese chats other tests leave waiting are not given to them
    username = make_agent("Leo", languages=["en"])
    console = Console(browsing.new_page(locale="en-US", viewport=CONSOLE_SIZE), base).open()
    console.log_in(username, AGENT_PASSWORD)
    expect(console.page.get_by_test_id("status-toggle")).to_have_attribute("data-status", "offline")
    console.set_status("online")
    try:
        shop = Storefront(browsing.new_page(locale="en-US"), base).open()
        shop.say("i want to talk to a human")
        expect(shop.page.get_by_test_id("kefu-status-title")).to_have_text("Leo", timeout=BOT_TIMEOUT)
        conversation_id = shop.conversation_id()
        assert conversation_id

        item = console.queue_item(conversation_id)
        expect(item).to_have_attribute("data-mine", "true")
        expect(item).to_have_attribute("data-new", "true")
        expect(console.page).to_have_title(re.compile(r"^\(\d+\) kefu$"))
        expect(console.page.get_by_test_id("toast")).to_contain_text("assigned to you")
        shot(console.page, "01-console-new-assignment")

        console.open_chat(conversation_id)
        expect(console.page).to_have_title("kefu")
        expect(console.page.get_by_test_id("conv-state")).to_have_attribute("data-state", "mine")
        console.reply("Hi, this is Leo. How can I help?")
        expect(shop.rows("agent").filter(has_text="this is Leo")).to_have_count(1)
        shot(console.page, "02-console-assigned-chat-in-english")
        console.page.get_by_test_id("handback-outcome").select_option("resolved")
        console.page.get_by_test_id("handback").click()
        expect(shop.status).to_have_attribute("data-state", "bot")
    finally:
        console.set_status("offline")
