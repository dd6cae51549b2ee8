"""Personal data masked where text leaves the chat, each on its real path: the service's log (its
own logging configuration, a real uvicorn), the action server's log (the real server and worker),
the NLU and knowledge files the trainer's inbox writes, and the queue every agent's console receives."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from handoff_service.app import create_app
from handoff_service.core.logs import log_config
from handoff_service.settings import Settings
from kefu.supervisor import free_port
from tests.conftest import ROOT, ServerThread, wait_until
from tests.handoff_helpers import SECRET, escalate, open_chat
from tests.unit.test_desk import Desk, start_desk
from tests.unit.test_review import ABSTAINED, running

PHONE, MASKED = "13812345678", "138****5678"


class LoggedServer(ServerThread):
    """The app served the way `python -m handoff_service` serves it: uvicorn with kefu's log config."""

    def __init__(self, app: object) -> None:
        super().__init__(app)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="info", log_config=log_config())
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """The log config replaces handlers process-wide: put pytest's and uvicorn's back afterwards."""
    names = ["", "uvicorn", "uvicorn.error", "uvicorn.access"]
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level, logging.getLogger(n).propagate) for n in names}
    yield
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


def test_the_service_log_masks_phones_in_requests_and_in_event_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], restored_logging: None
):
    settings = Settings(environment="development", database_url=f"sqlite+aiosqlite:///{tmp_path / 'h.db'}", handoff_secret=SECRET)
    with LoggedServer(create_app(settings)) as server, httpx.Client() as http:
        http.get(f"{server.url}/api/sessions/{PHONE}/events", params={"contact": "alice@example.com"})
        logging.getLogger("httpx").info("HTTP Request: %s", httpx.URL(f"{server.url}/api/sessions/{PHONE}"))
        logging.getLogger("handoff_service.chat.conversations").warning(
            "handoff.callback.saved for %s", PHONE, extra={"conversation_id": "c1", "contact": PHONE}
        )
    out, err = capsys.readouterr()
    written = out + err

    assert f"GET /api/sessions/{MASKED}/events?contact=a***%40example.com" in written  # uvicorn's access log
    assert f"handoff.callback.saved for {MASKED} conversation_id=c1 contact={MASKED}" in written
    assert PHONE not in written and "alice@" not in written


def test_labelling_inbox_messages_writes_them_masked_to_nlu_data_and_knowledge(tmp_path: Path):
    invoice = f"发票寄到北京市海淀区中关村大街27号，电话{PHONE}可以吗"
    shop = "my email is alice.wong@example.com, where is your shop"
    # The inbox's first read loads the grouping encoder: on a busy machine that alone can take 30 s.
    with httpx.Client(timeout=120) as http, running("sqlite", tmp_path, http) as desk:
        desk.ask([invoice, shop], {invoice: ABSTAINED, shop: ABSTAINED})
        wait_until(lambda: desk.inbox()["total_items"] == 2)

        labelled = desk.trainer("POST", f"/inbox/{desk.group_of(invoice)['id']}/label", json={"kind": "intent", "intent": "ask_invoice"})
        drafted = desk.trainer("POST", f"/inbox/{desk.group_of(shop)['id']}/knowledge", json={
            "category": "store", "questions": {"en": [shop]},
            "answer": {"zh": "我们是网店，发货仓在杭州。", "en": "We are an online shop; we ship from Hangzhou."},
        })  # fmt: skip
        nlu = (desk.project / "nlu_data/zh/invoices.yml").read_text(encoding="utf-8")
        knowledge = (desk.project / "knowledge/store.yml").read_text(encoding="utf-8")

    assert labelled.status_code == 200, labelled.text
    written = labelled.json()["written"]
    assert [w["text"] for w in written] == [f"发票寄到[地址]，电话{MASKED}可以吗"]
    assert nlu.splitlines()[written[0]["line"] - 1].strip() == f"- 发票寄到[地址]，电话{MASKED}可以吗"
    assert PHONE not in nlu and "中关村大街27号" not in nlu
    assert drafted.status_code == 200, drafted.text
    assert "my email is a***@example.com, where is your shop" in knowledge and "alice.wong" not in knowledge


def test_the_action_server_log_masks_phones_in_its_workers(tmp_path: Path, http: httpx.Client):
    """Sanic spawns the workers that run actions; their logging starts empty (it used to go out
    through Python's last-resort handler, unfiltered)."""
    port, log = free_port(), tmp_path / "actions.log"
    env = {**os.environ, "KEFU_ENVIRONMENT": "development", "KEFU_ACTION_WARM_UP": "false", "PYTHONPATH": str(ROOT)}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.action_server", "--actions", "bot.actions", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_until(lambda: _healthy(base) or process.poll() is not None, timeout=120) and process.poll() is None
        call = {"next_action": f"action_{PHONE}", "tracker": {"sender_id": "x"}, "domain": {}, "version": "3.6.21"}
        assert http.post(f"{base}/webhook", json=call).status_code == 404  # rasa-sdk logs the unknown name
        assert wait_until(lambda: f"action_{MASKED}" in log.read_text(errors="replace"), timeout=20)
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the server and the workers it spawned
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    assert PHONE not in log.read_text(errors="replace")


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    team = {"ann": {"languages": ["zh"]}, "ben": {"languages": ["zh"]}}
    yield from start_desk(tmp_path, "sqlite", team)


def test_the_queue_shows_the_shoppers_name_only_to_the_agent_of_the_chat(desk: Desk, http: httpx.Client):
    ann, ben = desk.agent(http, "ann", status=None), desk.agent(http, "ben", status=None)
    cid, _ = open_chat(http, desk.url, "C1001")
    escalate(http, desk.url, cid, customer={"customer_id": "C1001", "name": "张三"})

    def item(auth: dict[str, str]) -> dict[str, object]:
        return next(i for i in http.get(f"{desk.url}/api/agent/queue", headers=auth).json()["items"] if i["conversation_id"] == cid)

    assert item(ann)["customer_name"] == item(ben)["customer_name"] == "张*"  # waiting: nobody's yet
    assert http.post(f"{desk.url}/api/agent/conversations/{cid}/claim", headers=ann).status_code == 200
    assert item(ann)["customer_name"] == "张三"
    assert item(ben)["customer_name"] == "张*"
