"""The knowledge page in real Chromium against the real handoff service (a fake Rasa at its HTTP
seam; the real encoder and index): find an entry, edit its answer, try a question and see the new
answer win, undo; two editors in conflict; an import preview with a refused row. Screenshots of
each step go to var/artifacts/browser/<test>/."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import AGENT_PASSWORD, Browsing
from tests.knowledge_helpers import Page as Service
from tests.knowledge_helpers import agent_answered, running, shipped_index

Shot = Callable[[Page, str], Path]
SIZE = {"width": 1360, "height": 900}
QUESTION = "可以给公司开抬头吗"


@pytest.fixture(scope="module")
def built_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(shipped_index, tmp_path_factory.mktemp("kb")).result()


@pytest.fixture
def service(tmp_path: Path, built_index: Path) -> Iterator[Service]:
    """Started in a thread: Playwright's sync API keeps an event loop running in this one."""
    stack = ExitStack()
    http = stack.enter_context(httpx.Client(timeout=60))
    index = built_index
    with ThreadPoolExecutor(max_workers=1) as pool:
        started = pool.submit(lambda: stack.enter_context(running("sqlite", tmp_path, http, index))).result()
    yield started
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(stack.close).result()


def log_in(browsing: Browsing, base: str, username: str, locale: str = "zh-CN") -> Page:
    page = browsing.new_page(locale=locale, viewport=SIZE)
    page.goto(f"{base}/knowledge")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(AGENT_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("app-view")).to_be_visible()
    return page


def open_entry(page: Page, search: str, entry_id: str) -> None:
    page.get_by_test_id("kb-search").fill(search)
    row = page.locator(f'[data-testid="kb-row"][data-id="{entry_id}"]')
    expect(row).to_be_visible()
    row.click()
    expect(page.get_by_test_id("kb-title")).to_have_text(entry_id)


def test_find_edit_try_and_undo(service: Service, browsing: Browsing, shot: Shot) -> None:
    agent = browsing.new_page(locale="zh-CN", viewport=SIZE)
    agent.goto(f"{service.url}/knowledge")
    agent.get_by_test_id("login-username").fill("andy")
    agent.get_by_test_id("login-password").fill(AGENT_PASSWORD)
    agent.get_by_test_id("login-submit").click()
    expect(agent.get_by_test_id("login-error")).to_contain_text("仅供训练师和主管")

    page = log_in(browsing, service.url, "tina")
    open_entry(page, "专票", "invoice_special_vat")
    shot(page, "01-found")

    # the answer becomes one with markup, which must show as text; a question is added, unsaved
    new_answer = "<b>可以</b>开专票，提供单位名称和税号即可~"
    page.get_by_test_id("f-answer-zh").fill(new_answer)
    questions = page.get_by_test_id("f-questions-zh")
    questions.fill(questions.input_value() + "\n" + QUESTION)
    expect(page.get_by_test_id("kb-dirty")).to_be_visible()
    page.get_by_test_id("try-text").fill(QUESTION)
    page.get_by_test_id("try-submit").click()
    draft = page.get_by_test_id("try-draft")
    # the first search loads the encoder: seconds more when the machine is busy
    expect(draft.get_by_test_id("try-hit").first).to_have_attribute("data-id", "invoice_special_vat", timeout=60_000)
    expect(draft.get_by_test_id("try-decision")).to_have_attribute("data-decision", "answer")
    expect(draft.get_by_test_id("try-answer")).to_have_text(new_answer)  # markup shown as text
    assert page.locator("#try-draft b", has_text="可以").count() == 0
    expect(page.get_by_test_id("try-now").get_by_test_id("try-decision")).to_be_visible()
    page.get_by_test_id("try-form").scroll_into_view_if_needed()
    shot(page, "02-try-with-the-unsaved-edit")

    page.get_by_test_id("kb-save").click()
    expect(page.get_by_test_id("toast")).to_contain_text("已保存")
    expect(page.get_by_test_id("kb-dirty")).to_be_hidden()
    assert QUESTION in (service.knowledge / "invoices.yml").read_text(encoding="utf-8")
    page.get_by_test_id("try-submit").click()
    now = page.get_by_test_id("try-now")
    expect(now.get_by_test_id("try-hit").first).to_have_attribute("data-id", "invoice_special_vat")
    expect(now.get_by_test_id("try-answer")).to_have_text(new_answer)
    expect(page.get_by_test_id("try-draft")).to_be_hidden()
    page.get_by_test_id("try-form").scroll_into_view_if_needed()
    shot(page, "03-saved-the-new-answer-wins")
    page.locator("summary").click()
    expect(page.get_by_test_id("history-row").first).to_have_attribute("data-action", "edit")

    # a validation error shows next to its field, in the user's language
    page.get_by_test_id("f-valid-from").fill("2026-12-20")
    page.get_by_test_id("f-valid-until").fill("2026-12-01")
    page.get_by_test_id("kb-save").click()
    error = page.locator('[data-testid="field-error"][data-error="valid_until"]')
    expect(error).to_have_text("截止日期早于生效日期")
    page.get_by_test_id("lang-toggle").click()
    expect(error).to_have_text("The end date is before the start date")
    shot(page, "04-error-next-to-the-field-in-english")

    page.locator('[data-testid="kb-row"][data-id="invoice_special_vat"]').click()  # the entry as saved
    expect(page.get_by_test_id("f-valid-until")).to_have_value("")
    page.get_by_test_id("kb-undo").click()
    expect(page.get_by_test_id("toast")).to_contain_text("undone")
    expect(page.get_by_test_id("f-answer-zh")).not_to_have_value(new_answer)
    assert QUESTION not in (service.knowledge / "invoices.yml").read_text(encoding="utf-8")
    page.get_by_test_id("try-submit").click()
    expect(page.get_by_test_id("try-now").get_by_test_id("try-answer")).not_to_have_text(new_answer)
    page.get_by_test_id("try-form").scroll_into_view_if_needed()
    shot(page, "05-undone")

    # a picture: a renamed executable is refused next to the field; a photo is uploaded, cleaned and shown
    with page.expect_file_chooser() as chooser:
        page.get_by_test_id("kb-image-upload").click()
    chooser.value.set_files({"name": "chart.png", "mimeType": "image/png", "buffer": Path("/bin/true").read_bytes()[:50_000]})
    expect(page.locator('[data-testid="field-error"][data-error="image"]')).to_contain_text("not a picture")
    picture = io.BytesIO()
    Image.new("RGB", (240, 160), (40, 140, 90)).save(picture, "JPEG")
    with page.expect_file_chooser() as chooser:
        page.get_by_test_id("kb-image-upload").click()
    chooser.value.set_files({"name": "chart.jpg", "mimeType": "image/jpeg", "buffer": picture.getvalue()})
    expect(page.get_by_test_id("toast")).to_contain_text("Picture uploaded")
    preview = page.get_by_test_id("kb-image-preview")
    expect(preview).to_have_attribute("src", re.compile(r"^/kb-images/[0-9a-f]{40}\.jpg$"))
    expect(page.locator('[data-testid="field-error"][data-error="image"]')).to_be_hidden()
    page.wait_for_function("document.querySelector('[data-testid=kb-image-preview]').naturalWidth === 240")
    assert f"image: {preview.get_attribute('src')}" in (service.knowledge / "invoices.yml").read_text(encoding="utf-8")
    page.get_by_test_id("kb-image-field").scroll_into_view_if_needed()
    shot(page, "06-picture-uploaded")


def test_two_editors_get_a_conflict_not_a_silent_overwrite(service: Service, browsing: Browsing, shot: Shot) -> None:
    tina = log_in(browsing, service.url, "tina")
    sam = log_in(browsing, service.url, "sam", locale="en-US")
    for page in (tina, sam):
        open_entry(page, "能开发票吗", "invoice_electronic")

    tina.get_by_test_id("f-answer-zh").fill("亲，可以开电子发票的~")
    tina.get_by_test_id("kb-save").click()
    expect(tina.get_by_test_id("toast")).to_contain_text("已保存")

    sam.get_by_test_id("f-answer-en").fill("Yes, we issue e-invoices.")
    sam.get_by_test_id("kb-save").click()
    expect(sam.get_by_test_id("kb-conflict")).to_be_visible()
    expect(sam.get_by_test_id("kb-conflict")).to_contain_text("changed this entry")
    shot(sam, "01-second-editor-sees-the-conflict")
    text = (service.knowledge / "invoices.yml").read_text(encoding="utf-8")
    assert "亲，可以开电子发票的~" in text and "Yes, we issue e-invoices." not in text

    sam.get_by_test_id("kb-reload").click()
    expect(sam.get_by_test_id("f-answer-zh")).to_have_value("亲，可以开电子发票的~")
    expect(sam.get_by_test_id("kb-conflict")).to_be_hidden()
    shot(sam, "02-reloaded-with-the-other-edit")


def test_an_import_preview_shows_a_refused_row(service: Service, browsing: Browsing, shot: Shot, tmp_path: Path) -> None:
    sheet = tmp_path / "faq.csv"
    sheet.write_text(
        "id,category,questions_zh,questions_en,answer_zh,answer_en\n"
        "pen_engraving,store,钢笔可以刻字吗,can you engrave the pen,可以免费刻字哦,Yes free engraving\n"
        "half_done,store,只有中文,,只有中文答案,\n",
        encoding="utf-8",
    )
    page = log_in(browsing, service.url, "sam")
    page.get_by_test_id("tab-transfer").click()
    page.get_by_test_id("import-file").set_input_files(str(sheet))
    page.get_by_test_id("import-dry").click()
    refused = page.locator('[data-testid="import-row"][data-status="refused"]')
    expect(refused).to_have_attribute("data-row", "3")
    expect(refused).to_contain_text("这个语言的答案必填")
    expect(page.locator('[data-testid="import-row"][data-status="added"]')).to_have_count(1)
    expect(page.get_by_test_id("import-summary")).to_contain_text("拒绝 1")
    assert "pen_engraving" not in (service.knowledge / "store.yml").read_text(encoding="utf-8")
    shot(page, "01-preview-with-a-refused-row")

    page.get_by_test_id("import-apply").click()
    expect(page.get_by_test_id("toast")).to_contain_text("已导入")
    assert "pen_engraving" in (service.knowledge / "store.yml").read_text(encoding="utf-8")
    shot(page, "02-imported")
    page.get_by_test_id("tab-coverage").click()
    expect(page.locator('[data-testid="coverage-row"][data-id="pen_engraving"]')).to_have_attribute("data-never", "true")
    shot(page, "03-coverage")


def test_an_agents_answer_becomes_an_entry_from_the_page(service: Service, browsing: Browsing, shot: Shot) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(agent_answered, service, "钢笔可以刻字吗 我电话13812345678", "亲，这款钢笔支持免费刻字，下单时备注即可").result()
    page = log_in(browsing, service.url, "tina")
    expect(page.get_by_test_id("proposals-count")).to_have_text("1")
    page.get_by_test_id("tab-proposals").click()
    proposal = page.get_by_test_id("proposal")
    expect(proposal).to_have_attribute("data-kind", "entry")
    expect(proposal).not_to_contain_text("13812345678")  # the shopper's phone number is masked
    shot(page, "01-proposal")

    proposal.get_by_test_id("proposal-edit").click()
    expect(page.get_by_test_id("f-answer-zh")).to_have_value("亲，这款钢笔支持免费刻字，下单时备注即可")
    page.get_by_test_id("f-id").fill("pen_engraving")
    page.get_by_test_id("f-category").fill("store")
    page.get_by_test_id("f-answer-en").fill("Yes, engraving is free: put the text in the order note.")
    page.get_by_test_id("kb-save").click()
    expect(page.get_by_test_id("kb-title")).to_have_text("pen_engraving")
    expect(page.get_by_test_id("proposals-count")).to_be_hidden()
    page.get_by_test_id("try-text").fill("钢笔能刻字吗")
    page.get_by_test_id("try-submit").click()
    expect(page.get_by_test_id("try-now").get_by_test_id("try-hit").first).to_have_attribute("data-id", "pen_engraving")
    page.get_by_test_id("try-form").scroll_into_view_if_needed()
    shot(page, "02-accepted-and-answering")
