"""The knowledge page's API over real HTTP (SQLite and PostgreSQL) with the real encoder: who may
use it, browsing, editing the YAML in place with versions and undo, trying a question with an
unsaved edit, hand edits in between, spreadsheet import/export, proposals from agents' answers and
coverage."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.conftest import wait_until
from tests.knowledge_helpers import Page, agent_answered, running, shipped_index


@pytest.fixture(scope="module")
def built_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shipped_index(tmp_path_factory.mktemp("kb"))


@pytest.fixture
def page(tmp_path: Path, http: httpx.Client, built_index: Path) -> Iterator[Page]:
    with running("sqlite", tmp_path, http, built_index) as p:
        yield p


def test_only_trainers_supervisors_and_admins_use_the_knowledge_page(page: Page) -> None:
    assert page.call("GET", "/entries", who="nobody").status_code == 401
    assert page.call("GET", "/entries", who="agent").status_code == 403
    assert page.call("PUT", "/entries/invoice_electronic", who="agent", json={"version": "x", "entry": {}}).status_code == 403
    assert page.call("GET", "/entries", who="supervisor").status_code == 200
    assert page.call("GET", "/entries").status_code == 200


def test_entries_are_found_by_text_in_either_language_category_and_validity(page: Page) -> None:
    found = page.call("GET", "/entries", params={"q": "能开发票吗"}).json()["entries"]
    assert [e["id"] for e in found][:1] == ["invoice_electronic"]
    english = page.call("GET", "/entries", params={"q": "VAT invoice"}).json()["entries"]
    assert "invoice_special_vat" in [e["id"] for e in english]
    invoices = page.call("GET", "/entries", params={"category": "invoices"}).json()
    assert invoices["entries"] and {e["category"] for e in invoices["entries"]} == {"invoices"}
    assert "invoices" in invoices["categories"]
    expired = page.call("GET", "/entries", params={"validity": "expired"}).json()["entries"]
    assert "promo_618_2026" in [e["id"] for e in expired]  # 1–20 June 2026: out of its dates now


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_an_edit_changes_only_its_lines_and_a_stale_version_is_a_conflict(
    kind: str, tmp_path: Path, http: httpx.Client, built_index: Path
) -> None:
    with running(kind, tmp_path, http, built_index) as page:
        edit_conflict_and_undo(page)


def edit_conflict_and_undo(page: Page) -> None:
    path = page.knowledge / "invoices.yml"
    before_text = path.read_text(encoding="utf-8")
    opened = page.entry("invoice_electronic")
    new_answer = {"zh": "亲，可以开发票的，订单页点“申请开票”即可~", "en": opened["answer"]["en"]}

    saved = page.edit("invoice_electronic", opened["version"], answer=new_answer)
    assert saved.status_code == 200, saved.text
    assert saved.json()["entry"]["answer"]["zh"] == new_answer["zh"] and saved.json()["indexed"]
    after_text = path.read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(before_text.splitlines(), after_text.splitlines(), strict=True) if a != b]
    assert len(changed) == 1 and new_answer["zh"] in changed[0][1]  # one line changed, the rest byte for byte

    # A second editor who opened the entry before the save gets a conflict with the current entry.
    stale = page.edit("invoice_electronic", opened["version"], who="supervisor", answer={"zh": "别的", "en": "other"})
    assert stale.status_code == 409 and stale.json()["error"] == "edit_conflict"
    assert stale.json()["current"]["answer"]["zh"] == new_answer["zh"]
    assert page.entry("invoice_electronic")["answer"]["zh"] == new_answer["zh"]

    history = page.entry("invoice_electronic")["history"]
    assert history[0]["action"] == "edit" and history[0]["by"] == "tina"
    assert history[0]["before"]["answer"]["zh"] == opened["answer"]["zh"]

    undone = page.call("POST", "/entries/invoice_electronic/undo")
    assert undone.status_code == 200, undone.text
    assert path.read_text(encoding="utf-8") == before_text  # back byte for byte
    assert page.call("POST", "/entries/invoice_electronic/undo").status_code == 409  # nothing left to undo


def test_a_hand_edit_in_between_is_detected_and_the_page_reads_the_files(page: Page) -> None:
    opened = page.entry("invoice_electronic")
    path = page.knowledge / "invoices.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("24 小时内开出", "12 小时内开出"), encoding="utf-8")

    assert "12 小时内开出" in page.entry("invoice_electronic")["answer"]["zh"]  # the page shows the hand edit
    refused = page.edit("invoice_electronic", opened["version"], answer={"zh": "页面的答案", "en": "the page's answer"})
    assert refused.status_code == 409
    assert "12 小时内开出" in path.read_text(encoding="utf-8")  # the hand edit is not overwritten

    fresh = page.entry("invoice_electronic")
    assert page.edit("invoice_electronic", fresh["version"], tags=["invoice", "发票", "hand"]).status_code == 200
    text = path.read_text(encoding="utf-8")
    assert "12 小时内开出" in text and "tags: [invoice, 发票, hand]" in text  # both edits kept


def test_validation_errors_name_the_field(page: Page) -> None:
    response = page.call("POST", "/entries", json={
        "id": "bad id", "category": "Store", "questions": {"zh": []}, "answer": {"zh": "满 {amount} 减"},
        "valid_from": "2026-12-10", "valid_until": "2026-12-01", "related": ["no_such_entry"],
    })  # fmt: skip
    assert response.status_code == 400 and response.json()["error"] == "invalid_entry"
    fields = response.json()["fields"]
    assert {k: v["code"] for k, v in fields.items()} == {
        "id": "invalid_id", "category": "invalid_category", "questions": "questions_required",
        "answer.en": "answer_required", "variables": "undeclared_variable", "related": "unknown_related",
        "valid_until": "until_before_from",
    }  # fmt: skip


def test_a_new_entry_with_html_is_kept_as_text_archived_and_restored(page: Page) -> None:
    form = {
        "id": "gift_card", "category": "store", "questions": {"zh": ["有礼品卡吗"], "en": ["do you sell gift cards?"]},
        "answer": {"zh": "<b>有的</b> <script>alert(1)</script>", "en": "Yes: <i>gift cards</i>"},
        "related": ["invoice_electronic"], "valid_from": "2026-01-01",
    }  # fmt: skip
    created = page.call("POST", "/entries", json=form)
    assert created.status_code == 201, created.text
    assert page.entry("gift_card")["answer"]["zh"] == "<b>有的</b> <script>alert(1)</script>"
    assert page.call("POST", "/entries", json=form).json()["fields"]["id"]["code"] == "id_taken"

    version = page.entry("gift_card")["version"]
    archived = page.call("POST", "/entries/gift_card/archive", json={"version": version})
    assert archived.status_code == 200 and archived.json()["entry"]["validity"] == "archived"
    assert "gift_card" not in [e["id"] for e in page.call("GET", "/entries").json()["entries"]]
    tried = page.call("POST", "/try", json={"text": "有礼品卡吗", "lang": "zh"}).json()
    assert "gift_card" not in [h["id"] for h in tried["now"]["hits"]]  # archived entries never answer
    restored = page.call("POST", "/entries/gift_card/restore", json={"version": archived.json()["entry"]["version"]})
    assert restored.json()["entry"]["validity"] == "active"
    assert page.call("POST", "/try", json={"text": "有礼品卡吗"}).json()["now"]["hits"][0]["id"] == "gift_card"


def test_try_shows_what_an_unsaved_edit_would_answer(page: Page) -> None:
    question = "可以给公司开抬头吗"
    now = page.call("POST", "/try", json={"text": question, "lang": "zh"}).json()["now"]
    assert {"decision", "threshold", "hits"} <= set(now)
    opened = page.entry("invoice_special_vat")
    draft = {k: opened[k] for k in ("category", "questions", "answer", "tags", "variables", "related")}
    draft["questions"] = {**opened["questions"], "zh": [*opened["questions"]["zh"], question]}
    tried = page.call("POST", "/try", json={"text": question, "lang": "zh", "draft": draft, "editing": "invoice_special_vat"})
    assert tried.status_code == 200, tried.text
    after = tried.json()["draft"]
    assert after["decision"] == "answer" and after["hits"][0]["id"] == "invoice_special_vat"
    assert after["hits"][0]["score"] > 0.99
    assert page.entry("invoice_special_vat")["questions"] == opened["questions"]  # nothing saved


def png_with_gps() -> bytes:
    """A picture with EXIF naming the camera and a GPS position (Hangzhou), as a phone writes it."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif.get_ifd(0x8825).update({1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)})
    out = io.BytesIO()
    Image.new("RGBA", (320, 200), (30, 120, 200, 255)).save(out, "PNG", exif=exif)
    assert Image.open(io.BytesIO(out.getvalue())).getexif().get_ifd(0x8825), "the test picture must carry GPS"
    return out.getvalue()


def upload_image(page: Page, entry_id: str, version: str, body: bytes, who: str = "trainer") -> httpx.Response:
    headers = {**page.auth.get(who, {}), "content-type": "image/png"}  # named and typed as a picture, whatever it is
    return page.http.post(f"{page.url}/api/knowledge/entries/{entry_id}/image", params={"version": version}, content=body, headers=headers)


def test_an_uploaded_picture_loses_its_exif_is_public_and_undone_like_any_change(page: Page) -> None:
    path = page.knowledge / "invoices.yml"
    before_text = path.read_text(encoding="utf-8")
    opened = page.entry("invoice_electronic")
    assert upload_image(page, "invoice_electronic", opened["version"], png_with_gps(), who="agent").status_code == 403

    uploaded = upload_image(page, "invoice_electronic", opened["version"], png_with_gps())
    assert uploaded.status_code == 200, uploaded.text
    image = uploaded.json()["entry"]["image"]
    assert image.startswith("/kb-images/") and image.endswith(".png")
    added = set(path.read_text(encoding="utf-8").splitlines()) - set(before_text.splitlines())
    assert added == {f"  image: {image}"}  # one line added, the rest as it was
    assert page.entry("invoice_electronic")["history"][0]["action"] == "image"

    served = page.http.get(page.url + image)  # no token: the widget shows it to every shopper
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert "immutable" in served.headers["cache-control"]
    stored = Image.open(io.BytesIO(served.content))
    assert stored.size == (320, 200) and dict(stored.getexif()) == {} and b"PhoneMaker" not in served.content
    assert list((page.knowledge.parent / "attachments" / "knowledge").iterdir())  # in the attachment storage
    tried = page.call("POST", "/try", json={"text": "能开发票吗", "lang": "zh"}).json()["now"]
    assert tried["hits"][0] == {**tried["hits"][0], "id": "invoice_electronic", "image": image}

    kept = page.edit("invoice_electronic", page.entry("invoice_electronic")["version"], tags=["invoice", "发票"])
    assert kept.status_code == 200 and kept.json()["entry"]["image"] == image  # a form without `image` keeps it
    assert page.call("POST", "/entries/invoice_electronic/undo").status_code == 200
    assert page.call("POST", "/entries/invoice_electronic/undo").status_code == 200
    assert path.read_text(encoding="utf-8") == before_text and page.entry("invoice_electronic")["image"] is None

    by_hand = page.edit("invoice_electronic", page.entry("invoice_electronic")["version"], image="https://cdn.example.com/i.png")
    assert by_hand.status_code == 200 and "  image: https://cdn.example.com/i.png" in path.read_text(encoding="utf-8")
    wrong = page.edit("invoice_electronic", by_hand.json()["entry"]["version"], image="javascript:alert(1)")
    assert wrong.status_code == 400 and wrong.json()["fields"]["image"]["code"] == "invalid_image"
    removed = page.call("DELETE", "/entries/invoice_electronic/image", params={"version": by_hand.json()["entry"]["version"]})
    assert removed.status_code == 200 and removed.json()["entry"]["image"] is None
    assert "image:" not in path.read_text(encoding="utf-8")
    stale = upload_image(page, "invoice_electronic", by_hand.json()["entry"]["version"], png_with_gps())
    assert stale.status_code == 409 and stale.json()["error"] == "edit_conflict"


def test_a_renamed_executable_or_an_oversized_picture_is_refused_and_nothing_changes(page: Page) -> None:
    path = page.knowledge / "invoices.yml"
    before_text = path.read_text(encoding="utf-8")
    version = page.entry("invoice_electronic")["version"]
    executable = upload_image(page, "invoice_electronic", version, Path("/bin/true").read_bytes()[:200_000])
    assert executable.status_code == 400 and executable.json()["error"] == "unsupported_file"
    assert "只能发送图片" in executable.json()["message"] and "Only photos" in executable.json()["message"]
    oversized = upload_image(page, "invoice_electronic", version, b"\x89PNG\r\n\x1a\n" + b"\0" * 1_048_577)
    assert oversized.status_code == 413 and "图片不能超过 1 MB" in oversized.json()["message"]
    assert path.read_text(encoding="utf-8") == before_text and page.entry("invoice_electronic")["history"] == []
    assert page.http.get(f"{page.url}/kb-images/{'0' * 40}.png").status_code == 404
    assert page.http.get(f"{page.url}/kb-images/..%2Fsecret.png").status_code == 404


def test_import_dry_run_apply_and_export(page: Page) -> None:
    csv_text = (
        "id,category,questions_zh,questions_en,answer_zh,answer_en,valid_from,valid_until\n"
        'gift_card,store,"有礼品卡吗\n能买购物卡吗",do you sell gift cards,有的哦,Yes we do,,\n'
        "invoice_electronic,invoices,能开发票吗,can I get an invoice,可以开的,Yes,,\n"
        "broken,store,坏的,,只有中文,,2026-13-01,\n"
    )
    dry = page.call("POST", "/import", params={"name": "faq.csv"}, content=csv_text.encode())
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert body["dry_run"] and body["counts"] == {"added": 1, "changed": 1, "unchanged": 0, "refused": 1}
    refused = next(r for r in body["rows"] if r["status"] == "refused")
    assert refused["row"] == 4 and set(refused["reasons"]) == {"answer.en", "valid_from"}
    assert page.call("GET", "/entries/gift_card").status_code == 404  # a dry run writes nothing

    applied = page.call("POST", "/import", params={"name": "faq.csv", "dry_run": "false"}, content=csv_text.encode()).json()
    assert applied["counts"]["added"] == 1 and page.entry("gift_card")["questions"]["zh"] == ["有礼品卡吗", "能买购物卡吗"]
    assert page.entry("gift_card")["history"][0]["action"] == "import"

    exported = page.call("GET", "/export", params={"format": "xlsx"})
    assert exported.status_code == 200
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "category", "questions_zh")
    assert ("gift_card", "store", "有礼品卡吗\n能买购物卡吗") in [r[:3] for r in rows]
    again = page.call("POST", "/import", params={"name": "k.xlsx"}, content=exported.content).json()
    assert again["counts"]["added"] == again["counts"]["changed"] == again["counts"]["refused"] == 0  # a round trip


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_an_agents_answer_to_a_question_the_bot_could_not_answer_becomes_a_proposal(
    kind: str, tmp_path: Path, http: httpx.Client, built_index: Path
) -> None:
    with running(kind, tmp_path, http, built_index) as page:
        question = "钢笔可以刻字吗 我电话13812345678"
        agent_answered(page, question, "亲，这款钢笔支持免费刻字，下单时备注刻字内容即可", before=("什么时候发货",))

        proposals = wait_until(lambda: page.call("GET", "/proposals").json()["proposals"])
        proposal = proposals[0]
        assert "13812345678" not in proposal["question"] and proposal["agent_reply"].startswith("亲，这款钢笔支持免费刻字")
        assert proposal["kind"] == "entry" and proposal["form"]["questions"]["zh"] == [proposal["question"]]
        form = {**proposal["form"], "id": "engraving", "category": "store",
                "answer": {"zh": proposal["agent_reply"], "en": "Yes, engraving is free: put the text in the order note."}}  # fmt: skip
        accepted = page.call("POST", f"/proposals/{proposal['item_id']}/entry", json={"entry": form})
        assert accepted.status_code == 200, accepted.text
        assert page.call("GET", "/proposals").json()["proposals"] == []
        assert page.call("POST", "/try", json={"text": "钢笔能刻字吗"}).json()["now"]["hits"][0]["id"] == "engraving"

        coverage = page.call("GET", "/coverage").json()
        shipping = next(r for r in coverage["entries"] if r["id"] == "shipping_time")
        assert shipping["answered"] == 1 and shipping["escalated_after"] == 1
        assert "invoice_special_vat" in coverage["never_used"]
