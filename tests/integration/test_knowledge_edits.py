"""The running bot answers with a knowledge entry edited on the knowledge page, and with one edited
by hand in the same file, without a restart (the real three processes, a really trained model).
Each edit is put back afterwards: the system is shared by the session's tests."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.conftest import wait_until
from tests.integration.test_loop import Shopper
from tests.system import RunningKefu

pytestmark = pytest.mark.slow

PAGE_ANSWER = "亲，真丝请冷水手洗、阴干（知识库页面刚改的）"
HAND_ANSWER = "亲，牛仔裤前几次洗会有浮色（文件里手改的）"


def bot_answer(shopper: Shopper, text: str) -> str:
    before = len([e for e in shopper.events if e.get("sender") == "bot"])
    shopper.say(text)
    events = wait_until(lambda: [e for e in shopper.poll() if e.get("sender") == "bot"][before:], timeout=60)
    return events[0]["text"]


def test_the_running_bot_answers_with_an_entry_edited_on_the_page_and_by_hand(kefu_system: RunningKefu) -> None:
    base = kefu_system.handoff_url
    care = kefu_system.project_dir / "knowledge/care.yml"
    original = care.read_text(encoding="utf-8")
    with httpx.Client(timeout=60) as http:
        login = http.post(f"{base}/api/agent/login", json={"username": "trainer", "password": "kefu-demo"})
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
        try:
            entry = http.get(f"{base}/api/knowledge/entries/care_silk", headers=auth).json()
            form = {k: entry[k] for k in ("category", "questions", "answer", "tags")}
            form["answer"] = {**entry["answer"], "zh": PAGE_ANSWER}
            saved = http.put(f"{base}/api/knowledge/entries/care_silk", json={"version": entry["version"], "entry": form}, headers=auth)
            assert saved.status_code == 200, saved.text
            shopper = Shopper(http, base, None, "zh")
            assert bot_answer(shopper, "真丝怎么洗") == PAGE_ANSWER

            # a hand edit of another entry in the same file, after the page's edit: both are served
            edited = care.read_text(encoding="utf-8")
            old = next(line for line in edited.splitlines() if line.strip().startswith("zh: 亲，深色牛仔"))
            care.write_text(edited.replace(old, f"    zh: {HAND_ANSWER}"), encoding="utf-8")
            time.sleep(1.1)  # the action server looks at the files at most once a second
            assert bot_answer(shopper, "牛仔裤会掉色吗") == HAND_ANSWER
            assert bot_answer(Shopper(http, base, None, "zh"), "真丝怎么洗") == PAGE_ANSWER  # a new chat: a repeat escalates
            assert http.get(f"{base}/api/knowledge/entries/care_denim_fading", headers=auth).json()["answer"]["zh"] == HAND_ANSWER
        finally:
            care.write_text(original, encoding="utf-8")

