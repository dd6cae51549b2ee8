"""The review inbox over real HTTP: the bot's report of each turn (through a fake Rasa at the HTTP
seam) keeps what it misunderstood, shoppers' 👎 add to it, trainers group, label and dismiss."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from handoff_service.app import create_app
from handoff_service.settings import Settings
from handoff_service.training.review import reasons_for
from kefu_contract.turn_report import TurnReport
from tests.conftest import ROOT, ServerThread, wait_until
from tests.handoff_helpers import (
    IDENTITY_SECRET,
    SECRET,
    FakeRasa,
    add_agent,
    database,
    events,
    login,
    open_chat,
)

RANKING = [
    {"name": "ask_invoice", "confidence": 0.38},
    {"name": "ask_coupon", "confidence": 0.21},
    {"name": "greet", "confidence": 0.05},
]


def turn(**fields: Any) -> dict[str, Any]:  # noqa: ANN401
    """The bot's report of a turn NLU handled well, with `fields` changed."""
    base = {
        "intent": "ask_shipping_time", "confidence": 0.93, "ranking": [{"name": "ask_shipping_time", "confidence": 0.93}],
        "outcome": "answered", "kb_entry": "shipping_time", "kb_score": 0.81, "kb_abstained": False,
    }  # fmt: skip
    return {**base, **fields}


ABSTAINED = turn(intent="nlu_fallback", confidence=0.42, ranking=RANKING, outcome="kb_abstained",
                 kb_entry="invoice_info", kb_score=0.41, kb_abstained=True)  # fmt: skip


class Desk:
    """A running service, its fake Rasa, the trainers' project copy and logged-in accounts."""

    def __init__(self, http: httpx.Client, url: str, rasa: FakeRasa, project: Path, auth: dict[str, dict[str, str]]) -> None:
        self.http, self.url, self.rasa, self.project, self.auth = http, url, rasa, project, auth

    def trainer(self, method: str, path: str, **kwargs: Any) -> httpx.Response:  # noqa: ANN401
        return self.http.request(method, f"{self.url}/api/trainer{path}", headers=self.auth["trainer"], **kwargs)

    def inbox(self, **params: str) -> dict[str, Any]:
        response = self.trainer("GET", "/inbox", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def ask(self, texts: list[str], turns: dict[str, dict[str, Any]] | None = None, lang: str = "zh") -> tuple[str, dict[str, str]]:
        """One shopper asks `texts` in a new chat; the bot reports `turns[text]` for each."""
        self.rasa.turns.update(turns or {})
        cid, auth = open_chat(self.http, self.url, lang=lang)
        for text in texts:
            sent = self.http.post(f"{self.url}/api/sessions/{cid}/messages", json={"text": text}, headers=auth)
            assert sent.status_code == 202, sent.text
        wait_until(lambda: len([r for r in self.rasa.received if r["sender"] == cid]) == len(texts))
        return cid, auth

    def group_of(self, text: str, **params: str) -> dict[str, Any]:
        return next(g for g in self.inbox(**params)["groups"] if text in g["texts"])


def copy_project(root: Path) -> Path:
    """What the trainer's page writes to: the repo's NLU data, domain, rules and knowledge, copied."""
    shutil.copytree(ROOT / "nlu_data", root / "nlu_data")
    shutil.copytree(ROOT / "bot" / "data" / "rules", root / "bot" / "data" / "rules")
    shutil.copy(ROOT / "bot" / "domain.yml", root / "bot" / "domain.yml")
    shutil.copytree(ROOT / "knowledge", root / "knowledge")
    return root


@contextmanager
def running(kind: str, tmp_path: Path, http: httpx.Client) -> Iterator[Desk]:
    rasa = FakeRasa()
    project = copy_project(tmp_path / "project")
    with database(kind, tmp_path) as url:
        for username, role in (("tina", "trainer"), ("andy", "agent"), ("sam", "supervisor")):
            add_agent(url, username, role=role)
        settings = Settings(environment="development", database_url=url, handoff_secret=SECRET, identity_secret=IDENTITY_SECRET, auto_assign=False, project_dir=project)
        with ServerThread(create_app(settings, rasa_transport=httpx.MockTransport(rasa.handler))) as server:
            auth = {
                "trainer": login(http, server.url, "tina", "password-123"),
                "agent": login(http, server.url, "andy", "password-123"),
                "supervisor": login(http, server.url, "sam", "password-123"),
            }
            yield Desk(http, server.url, rasa, project, auth)


@pytest.fixture
def desk(tmp_path: Path, http: httpx.Client) -> Iterator[Desk]:
    with running("sqlite", tmp_path, http) as d:
        yield d


# --- which turns are kept -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "report", "reasons"),
    [
        ("什么时候发货", turn(), []),
        ("能开发票吗", ABSTAINED, ["fallback", "kb_abstained"]),
        ("发票", turn(intent="ask_invoice", confidence=0.31), ["low_confidence"]),
        ("发票呢", turn(intent="ask_invoice", confidence=0.5), []),
        ("能开发票吗", turn(intent="ask_invoice", outcome="not_understood"), ["not_understood"]),
        ("我的发票呢", turn(intent="nlu_fallback", confidence=0.3, outcome="escalated", kb_abstained=True),
         ["fallback", "kb_abstained", "escalated"]),  # fmt: skip
        ("你们这什么破店", turn(intent="file_complaint", outcome="escalated"), ["escalated"]),
        ("转人工", turn(intent="request_human", outcome="escalated"), []),
        ("/request_human", turn(intent="request_human", confidence=0.2, outcome="escalated"), []),
    ],
)
def test_the_bots_report_decides_what_trainers_review(text: str, report: dict[str, Any], reasons: list[str]) -> None:
    assert reasons_for(text, TurnReport.model_validate(report), confidence_below=0.5) == reasons


def test_a_misunderstood_message_reaches_the_inbox_and_the_shopper_never_sees_the_report(desk: Desk) -> None:
    cid, auth = desk.ask(["能开发票吗"], {"能开发票吗": ABSTAINED})

    inbox = wait_until(lambda: (found := desk.inbox())["total_items"] == 1 and found)
    [group] = inbox["groups"]
    assert (group["size"], group["texts"], group["lang"]) == (1, ["能开发票吗"], "zh")
    assert group["reasons"] == {"fallback": 1, "kb_abstained": 1}
    assert group["top_intents"] == RANKING
    assert group["id"] == str(group["item_ids"][0]) and group["first_seen"] == group["last_seen"]
    seen = events(desk.http, desk.url, cid, auth)
    assert [(e["sender"], e["text"]) for e in seen] == [("shopper", "能开发票吗"), ("bot", "bot: 能开发票吗")]
    # The bot's answer names the message it answers (the outbox's guard), nothing of the report.
    assert "kefu_turn" not in json.dumps(seen) and seen[1]["payload"] == {"in_reply_to": seen[0]["seq"]}


def test_understood_turns_button_payloads_and_requests_for_a_person_are_not_kept(desk: Desk) -> None:
    reports = {
        "什么时候发货": turn(),
        "/request_human": turn(intent="request_human", confidence=0.2, outcome="escalated"),
        "嗯嗯嗯那个": turn(intent="greet", confidence=0.3),
        "转人工": turn(intent="request_human", confidence=0.97, outcome="escalated"),
    }
    # Handed over: the action said nothing, its report travels alone. Asked last: a message sent
    # after the hand-over went through no longer reaches the bot.
    desk.rasa.quiet.add("转人工")
    cid, auth = desk.ask(list(reports), reports)

    inbox = wait_until(lambda: (found := desk.inbox())["total_items"] and found)
    assert [g["texts"] for g in inbox["groups"]] == [["嗯嗯嗯那个"]]
    assert inbox["groups"][0]["reasons"] == {"low_confidence": 1}
    bot = [e["text"] for e in events(desk.http, desk.url, cid, auth) if e["sender"] == "bot"]
    assert bot == ["bot: 什么时候发货", "bot: /request_human", "bot: 嗯嗯嗯那个"]  # no empty bubble for the handover


# --- the shopper's 👎 ---------------------------------------------------------------------------


def feedback(desk: Desk, cid: str, auth: dict[str, str], seq: int, helpful: bool) -> httpx.Response:
    return desk.http.post(f"{desk.url}/api/sessions/{cid}/events/{seq}/feedback", json={"helpful": helpful}, headers=auth)


def test_thumbs_down_puts_the_question_in_the_inbox_once(desk: Desk) -> None:
    cid, auth = desk.ask(["你们支持花呗分期吗"], {"你们支持花呗分期吗": turn(intent="ask_coupon", confidence=0.88)})
    bot = wait_until(lambda: [e for e in events(desk.http, desk.url, cid, auth) if e["sender"] == "bot"])[0]

    assert feedback(desk, cid, auth, bot["seq"], helpful=True).json()["review_item_id"] is None
    assert desk.inbox()["total_items"] == 0
    first = feedback(desk, cid, auth, bot["seq"], helpful=False)
    again = feedback(desk, cid, auth, bot["seq"], helpful=False)

    assert first.status_code == again.status_code == 200
    assert first.json()["review_item_id"] == again.json()["review_item_id"] is not None
    inbox = desk.inbox()
    assert inbox["total_items"] == 1 and inbox["groups"][0]["reasons"] == {"thumbs_down": 1}
    assert inbox["groups"][0]["texts"] == ["你们支持花呗分期吗"]


def test_thumbs_down_on_a_kept_message_adds_the_reason(desk: Desk) -> None:
    cid, auth = desk.ask(["能开发票吗"], {"能开发票吗": ABSTAINED})
    bot = wait_until(lambda: [e for e in events(desk.http, desk.url, cid, auth) if e["sender"] == "bot"])[0]
    wait_until(lambda: desk.inbox()["total_items"] == 1)

    assert feedback(desk, cid, auth, bot["seq"], helpful=False).status_code == 200

    [group] = desk.inbox()["groups"]
    assert group["size"] == 1 and group["reasons"] == {"fallback": 1, "kb_abstained": 1, "thumbs_down": 1}
    assert group["top_intents"] == RANKING  # what the bot reported is kept


def test_feedback_is_for_the_bots_own_messages_in_the_shoppers_own_chat(desk: Desk) -> None:
    cid, auth = desk.ask(["你好"])
    shopper, bot = wait_until(lambda: len(seen := events(desk.http, desk.url, cid, auth)) == 2 and seen)
    _, other_auth = open_chat(desk.http, desk.url)

    assert feedback(desk, cid, auth, 999_999, helpful=False).status_code == 404
    assert feedback(desk, cid, auth, shopper["seq"], helpful=False).status_code == 409
    assert feedback(desk, cid, other_auth, bot["seq"], helpful=False).status_code == 403
    bad = desk.http.post(f"{desk.url}/api/sessions/{cid}/events/{bot['seq']}/feedback", json={"helpful": "meh"}, headers=auth)
    assert bad.status_code == 422


# --- who may review ---------------------------------------------------------------------------------


def test_only_trainers_open_the_inbox(desk: Desk) -> None:
    calls = [
        ("GET", "/inbox", None), ("GET", "/intents", None), ("GET", "/gaps", None), ("GET", "/labelled", None),
        ("POST", "/inbox/1/label", {"kind": "intent", "intent": "ask_invoice"}), ("POST", "/inbox/1/dismiss", None),
        ("POST", "/inbox/1/knowledge", {"category": "store", "questions": {"zh": ["x"]}, "answer": {"zh": "x", "en": "x"}}),
    ]  # fmt: skip
    for method, path, body in calls:
        for role in ("agent", "supervisor"):
            response = desk.http.request(method, f"{desk.url}/api/trainer{path}", json=body, headers=desk.auth[role])
            assert response.status_code == 403, (role, path)
        assert desk.http.request(method, f"{desk.url}/api/trainer{path}", json=body).status_code == 401
        assert desk.trainer(method, path, json=body).status_code in ((200,) if method == "GET" else (404,)), path


# --- what trainers do with a group ----------------------------------------------------------------


def test_labelling_a_group_writes_its_new_phrasings_and_counts_known_ones_as_learned(desk: Desk) -> None:
    texts = ["可以开发票吗？", "怎么开发票", "能开发票吗"]
    desk.ask(texts, dict.fromkeys(texts, ABSTAINED))
    wait_until(lambda: desk.inbox()["total_items"] == 3)
    group = desk.group_of("怎么开发票")
    assert group["size"] == 3

    response = desk.trainer("POST", f"/inbox/{group['id']}/label", json={"kind": "intent", "intent": "ask_invoice"})

    assert response.status_code == 200, response.text
    result = response.json()
    assert sorted(w["text"] for w in result["written"]) == ["可以开发票吗？", "怎么开发票"]
    assert {w["file"] for w in result["written"]} == {"nlu_data/zh/invoices.yml"}
    lines = (desk.project / "nlu_data/zh/invoices.yml").read_text(encoding="utf-8").splitlines()
    assert all(lines[w["line"] - 1].strip() == f"- {w['text']}" for w in result["written"])
    assert [(s["text"], s["code"]) for s in result["skipped"]] == [("能开发票吗", "already_learned")]
    assert desk.inbox()["total_items"] == 0
    assert desk.inbox(status="labelled")["total_items"] == 3
    labelled = desk.trainer("GET", "/labelled").json()
    assert sorted((i["text"], i["lang"], i["intent"]) for i in labelled) == sorted((t, "zh", "ask_invoice") for t in texts)
    assert (ROOT / "nlu_data/zh/invoices.yml").read_text(encoding="utf-8").count("怎么开发票") == 0


def test_a_phrasing_the_data_has_under_another_intent_is_reported_and_stays_open(desk: Desk) -> None:
    desk.ask(["有没有优惠券"], {"有没有优惠券": turn(intent="ask_coupon", confidence=0.2)})
    wait_until(lambda: desk.inbox()["total_items"] == 1)
    group = desk.group_of("有没有优惠券")

    result = desk.trainer("POST", f"/inbox/{group['id']}/label", json={"kind": "intent", "intent": "ask_invoice"}).json()

    assert result["written"] == [] and result["skipped"][0]["code"] == "other_intent"
    assert "ask_coupon" in result["skipped"][0]["reason"]
    assert desk.inbox()["total_items"] == 1


def test_a_new_intent_is_created_from_the_chosen_phrasings(desk: Desk) -> None:
    texts = ["有礼品包装吗", "能提供礼品包装吗"]
    desk.ask(texts, dict.fromkeys(texts, ABSTAINED))
    wait_until(lambda: desk.inbox()["total_items"] == 2)
    group = desk.group_of("有礼品包装吗")
    assert group["size"] == 2

    for body, code in (
        ({"kind": "intent", "intent": "ask_gift_wrap"}, "unknown_intent"),
        ({"kind": "new_intent", "intent": "Gift Wrap"}, "invalid_intent_name"),
        ({"kind": "new_intent", "intent": "nlu_fallback"}, "invalid_intent_name"),
    ):
        refused = desk.trainer("POST", f"/inbox/{group['id']}/label", json=body)
        assert (refused.status_code, refused.json()["error"]) == (422, code)
    assert desk.trainer("POST", f"/inbox/{group['id']}/label", json={"kind": "new_intent", "intent": "ask_gift_wrap", "texts": ["不在组里"]}).status_code == 400
    response = desk.trainer("POST", f"/inbox/{group['id']}/label", json={"kind": "new_intent", "intent": "ask_gift_wrap", "texts": ["有礼品包装吗"]})

    assert [w["text"] for w in response.json()["written"]] == ["有礼品包装吗"]
    assert "- ask_gift_wrap" in (desk.project / "bot/domain.yml").read_text(encoding="utf-8")
    intents = {i["name"]: i["examples"] for i in desk.trainer("GET", "/intents").json()["intents"]}
    assert intents["ask_gift_wrap"] == {"zh": 1, "en": 0} and intents["ask_invoice"]["zh"] > 10
    assert desk.inbox()["groups"][0]["texts"] == ["能提供礼品包装吗"]  # the phrasing not chosen is still open


def test_a_knowledge_entry_answers_a_gap_and_dismissed_groups_leave_the_inbox(desk: Desk) -> None:
    gap = turn(intent="ask_product_info", confidence=0.7, outcome="kb_abstained", kb_abstained=True)
    desk.ask(["你们店在哪里", "你们店在哪里？", "今天天气怎么样"], {"你们店在哪里": gap, "你们店在哪里？": gap, "今天天气怎么样": ABSTAINED})
    wait_until(lambda: desk.inbox()["total_items"] == 3)
    gaps = desk.trainer("GET", "/gaps", params={"days": 30}).json()["groups"]
    assert [(g["size"], g["texts"]) for g in gaps] == [(2, ["你们店在哪里"]), (1, ["今天天气怎么样"])]
    weather, store = desk.group_of("今天天气怎么样"), desk.group_of("你们店在哪里")

    dismissed = desk.trainer("POST", f"/inbox/{weather['id']}/dismiss")
    invalid = desk.trainer("POST", f"/inbox/{store['id']}/knowledge",
                           json={"category": "store", "questions": {"zh": ["你们店在哪里"]}, "answer": {"zh": "杭州"}})  # fmt: skip
    added = desk.trainer("POST", f"/inbox/{store['id']}/knowledge", json={
        "category": "store", "questions": {"zh": ["你们店在哪里", "门店在哪"], "en": ["where is your shop"]},
        "answer": {"zh": "我们是网店，发货仓在杭州。", "en": "We are an online shop; we ship from Hangzhou."},
    })  # fmt: skip

    assert dismissed.json() == {"dismissed": 1}
    assert (invalid.status_code, invalid.json()["error"]) == (422, "invalid_knowledge") and "en" in invalid.json()["message"]
    assert added.status_code == 200, added.text
    assert added.json()["file"] == "knowledge/store.yml"
    assert added.json()["entry_id"] in (desk.project / "knowledge/store.yml").read_text(encoding="utf-8")
    assert desk.inbox()["groups"] == [] and desk.inbox(status="dismissed")["groups"][0]["texts"] == ["今天天气怎么样"]
    assert desk.trainer("GET", "/labelled").json() == []  # knowledge is not an intent to check after retraining
    assert {t for g in desk.trainer("GET", "/gaps").json()["groups"] for t in g["texts"]} >= {"你们店在哪里"}
    assert "今天天气怎么样" not in {t for g in desk.trainer("GET", "/gaps").json()["groups"] for t in g["texts"]}
    assert desk.trainer("POST", f"/inbox/{weather['id']}/dismiss").status_code == 404
    assert desk.trainer("GET", "/gaps", params={"days": 0}).status_code == 422


def test_the_inbox_filters_by_language(desk: Desk) -> None:
    desk.ask(["能开发票吗"], {"能开发票吗": ABSTAINED})
    desk.ask(["can i get a receipt"], {"can i get a receipt": ABSTAINED}, lang="en")
    wait_until(lambda: desk.inbox()["total_items"] == 2)

    assert [g["lang"] for g in desk.inbox(lang="en")["groups"]] == ["en"]
    assert [g["texts"] for g in desk.inbox(lang="zh")["groups"]] == [["能开发票吗"]]


# --- PostgreSQL ------------------------------------------------------------------------------------


def test_the_inbox_works_on_postgresql(tmp_path: Path, http: httpx.Client) -> None:
    with running("postgresql", tmp_path, http) as pg:
        cid, auth = pg.ask(["怎么开发票", "你们支持花呗分期吗"], {"怎么开发票": ABSTAINED, "你们支持花呗分期吗": turn()})
        bot = wait_until(lambda: [e for e in events(pg.http, pg.url, cid, auth) if e["sender"] == "bot"][1:])[0]
        assert feedback(pg, cid, auth, bot["seq"], helpful=False).status_code == 200
        assert feedback(pg, cid, auth, bot["seq"], helpful=False).status_code == 200
        wait_until(lambda: pg.inbox()["total_items"] == 2)

        group = pg.group_of("怎么开发票")
        result = pg.trainer("POST", f"/inbox/{group['id']}/label", json={"kind": "intent", "intent": "ask_invoice"}).json()

        assert [w["text"] for w in result["written"]] == ["怎么开发票"]
        assert pg.group_of("你们支持花呗分期吗")["reasons"] == {"thumbs_down": 1}
        assert [i["text"] for i in pg.trainer("GET", "/labelled").json()] == ["怎么开发票"]
