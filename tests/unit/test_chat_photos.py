"""Photos in a chat (#19) over real HTTP: sniffed by content, size-limited, re-encoded without
EXIF/GPS, readable only by the chat's shopper and the desk; the S3-compatible storage against a
real local S3 server (moto's)."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from PIL import Image

from handoff_service.app import create_app
from handoff_service.core.errors import NotFound
from handoff_service.core.storage import S3Storage
from handoff_service.settings import Settings
from kb_index.settings import KbSettings
from tests.conftest import ROOT, ServerThread
from tests.handoff_helpers import (
    IDENTITY_SECRET,
    SECRET,
    FakeRasa,
    add_agent,
    escalate,
    events,
    login,
    open_chat,
)

LIMIT = 1_048_576


@dataclass
class Desk:
    db: str
    url: str
    ann: dict[str, str]
    tina: dict[str, str]
    folder: Path


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    tmp = tmp_path_factory.mktemp("photos")
    url = f"sqlite+aiosqlite:///{tmp / 'h.db'}"
    add_agent(url, "ann", max_concurrent=50)
    add_agent(url, "tina", role="trainer")
    settings = Settings(
        environment="development", database_url=url, handoff_secret=SECRET, identity_secret=IDENTITY_SECRET,
        auto_assign=False, demo_agent_username=None, store_path=tmp / "store.db",
        attachment_dir=tmp / "attachments", attachment_max_bytes=LIMIT,
    )  # fmt: skip
    kb = KbSettings(knowledge_dir=ROOT / "knowledge", index_dir=tmp / "kb")
    app = create_app(settings, rasa_transport=httpx.MockTransport(FakeRasa().handler), kb_settings=kb)
    with ServerThread(app) as server, httpx.Client(timeout=60) as http:
        yield Desk(url, server.url, login(http, server.url, "ann", "password-123"), login(http, server.url, "tina", "password-123"),
                   tmp / "attachments")


def jpeg_with_gps() -> bytes:
    """A camera-like photo: EXIF with the maker, a description and a GPS position (Hangzhou)."""
    image = Image.new("RGB", (640, 480), (200, 60, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x010E] = "my flat at 88 West Lake Rd"  # ImageDescription
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825), "the test photo must carry GPS"
    return data


def upload(http: httpx.Client, desk: Desk, cid: str, auth: dict[str, str], body: bytes, content_type: str) -> httpx.Response:
    return http.post(f"{desk.url}/api/sessions/{cid}/attachments", content=body, headers={**auth, "content-type": content_type})


def test_a_photo_is_stored_without_its_exif_or_gps_and_shown_in_the_chat(desk: Desk, http: httpx.Client):
    cid, auth = open_chat(http, desk.url)
    escalate(http, desk.url, cid)
    sent = upload(http, desk, cid, auth, jpeg_with_gps(), "image/jpeg")
    assert sent.status_code == 201, sent.text
    attachment = sent.json()["attachment"]
    assert sent.json()["event"]["sender"] == "shopper"
    assert sent.json()["event"]["payload"]["attachment"]["id"] == attachment["id"]
    assert (attachment["width"], attachment["height"]) == (640, 480)

    got = http.get(f"{desk.url}/api/sessions/{cid}/attachments/{attachment['id']}", headers=auth)
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert got.headers["x-content-type-options"] == "nosniff" and "private" in got.headers["cache-control"]
    cleaned = Image.open(io.BytesIO(got.content))
    assert dict(cleaned.getexif()) == {} and not cleaned.getexif().get_ifd(0x8825)
    assert b"PhoneMaker" not in got.content and b"West Lake" not in got.content and b"Exif" not in got.content
    stored = next(desk.folder.rglob(attachment["id"]))
    assert stored.read_bytes() == got.content  # what is kept on disk is the cleaned photo, not the upload

    # the desk sees it (the chat waits for someone); the transcript carries it
    as_agent = http.get(f"{desk.url}/api/agent/conversations/{cid}/attachments/{attachment['id']}", headers=desk.ann)
    assert as_agent.status_code == 200 and as_agent.content == got.content
    detail = http.get(f"{desk.url}/api/agent/conversations/{cid}", headers=desk.ann).json()
    assert any(e["payload"].get("attachment", {}).get("id") == attachment["id"] for e in detail["events"])


def test_a_photo_is_refused_to_everyone_but_the_chats_shopper_and_the_desk(desk: Desk, http: httpx.Client):
    cid, auth = open_chat(http, desk.url)
    photo_id = upload(http, desk, cid, auth, jpeg_with_gps(), "image/jpeg").json()["attachment"]["id"]
    path = f"{desk.url}/api/sessions/{cid}/attachments/{photo_id}"
    other_cid, other_auth = open_chat(http, desk.url, "C1002")
    # the bot cannot look at photos: it says so at once and offers a person, who will see the photo
    reply = [e for e in events(http, desk.url, cid, auth) if e["sender"] == "bot"]
    assert "人工客服帮您看" in reply[-1]["text"] and reply[-1]["payload"]["buttons"][0]["payload"] == "/request_human"
    assert http.get(path).status_code == 403  # no token
    assert http.get(path, headers=other_auth).status_code == 403  # another shopper's token
    # another chat's token cannot reach it through its own chat either
    assert http.get(f"{desk.url}/api/sessions/{other_cid}/attachments/{photo_id}", headers=other_auth).status_code == 404
    agent_path = f"{desk.url}/api/agent/conversations/{cid}/attachments/{photo_id}"
    assert http.get(agent_path).status_code == 401
    assert http.get(agent_path, headers=desk.tina).status_code == 403  # a trainer is not the desk
    # while the bot still owns the chat, no agent's console shows it, so no agent reads its photos
    assert http.get(agent_path, headers=desk.ann).status_code == 403


def test_a_renamed_executable_is_refused_by_its_content(desk: Desk, http: httpx.Client):
    cid, auth = open_chat(http, desk.url)
    executable = Path("/bin/true").read_bytes()[:200_000]
    refused = upload(http, desk, cid, auth, executable, "image/jpeg")  # named and typed as a photo
    assert refused.status_code == 400
    body = refused.json()
    assert body["error"] == "unsupported_file"
    assert "只能发送图片" in body["message"] and "Only photos" in body["message"]
    assert "executable" in body["message"]
    assert not list(desk.folder.glob(f"{cid}/*"))  # nothing stored


def test_an_oversized_photo_is_refused_before_it_is_read(desk: Desk, http: httpx.Client):
    cid, auth = open_chat(http, desk.url)
    refused = upload(http, desk, cid, auth, b"\xff\xd8\xff" + b"\0" * (LIMIT + 10), "image/jpeg")
    assert refused.status_code == 413
    assert refused.json()["error"] == "too_large"
    assert "图片不能超过 1 MB" in refused.json()["message"] and "larger than 1 MB" in refused.json()["message"]


def test_a_truncated_photo_gets_a_clear_error(desk: Desk, http: httpx.Client):
    cid, auth = open_chat(http, desk.url)
    refused = upload(http, desk, cid, auth, jpeg_with_gps()[:400], "image/jpeg")
    assert refused.status_code == 400 and refused.json()["error"] == "unsupported_file"
    assert "损坏" in refused.json()["message"] and "damaged" in refused.json()["message"]


def test_the_chats_agent_sends_a_photo_the_shopper_reads(desk: Desk, http: httpx.Client):
    cid, auth = open_chat(http, desk.url)
    escalate(http, desk.url, cid)
    assert http.post(f"{desk.url}/api/agent/conversations/{cid}/claim", headers=desk.ann).status_code == 200
    png = io.BytesIO()
    Image.new("RGBA", (300, 200), (0, 0, 0, 0)).save(png, "PNG")
    sent = http.post(f"{desk.url}/api/agent/conversations/{cid}/attachments", content=png.getvalue(),
                     headers={**desk.ann, "content-type": "image/png"})
    assert sent.status_code == 201, sent.text
    event = sent.json()["event"]
    assert event["sender"] == "agent" and event["payload"]["agent_name"] == "Ann"
    photo = event["payload"]["attachment"]
    assert photo["content_type"] == "image/png"  # transparency kept
    got = http.get(f"{desk.url}/api/sessions/{cid}/attachments/{photo['id']}", headers=auth)
    assert got.status_code == 200 and Image.open(io.BytesIO(got.content)).size == (300, 200)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_s3_storage_against_a_real_local_s3_server():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        storage = S3Storage("kefu-photos", f"http://127.0.0.1:{port}", access_key="test", secret_key="test")
        storage._client.create_bucket(Bucket="kefu-photos")
        storage.put("c0ffee/abc123", b"\xff\xd8photo", "image/jpeg")
        assert storage.get("c0ffee/abc123") == b"\xff\xd8photo"
        head = storage._client.head_object(Bucket="kefu-photos", Key="kefu/c0ffee/abc123")
        assert head["ContentType"] == "image/jpeg"
        storage.delete("c0ffee/abc123")
        with pytest.raises(NotFound):
            storage.get("c0ffee/abc123")
        with pytest.raises(ValueError):
            storage.put("../../etc/passwd", b"x", "image/jpeg")
    finally:
        server.stop()


async def test_erasing_a_customer_deletes_their_photos_and_the_stored_bytes(desk: Desk):
    from handoff_service.core.db import make_engine, make_sessionmaker
    from handoff_service.core.privacy import PrivacyService
    from handoff_service.core.storage import LocalFolderStorage

    with httpx.Client(timeout=30) as http:
        cid, auth = open_chat(http, desk.url, "C1003")
        photo_id = upload(http, desk, cid, auth, jpeg_with_gps(), "image/jpeg").json()["attachment"]["id"]
        assert list(desk.folder.glob(f"{cid}/{photo_id}"))
        engine = make_engine(desk.db)
        try:
            exported = await PrivacyService(make_sessionmaker(engine)).export("C1003", by="test")
            assert [p["content_type"] for p in exported["photos"]] == ["image/jpeg"]  # what was kept of their photo
            counts = await PrivacyService(make_sessionmaker(engine), LocalFolderStorage(desk.folder)).delete("C1003", by="test")
        finally:
            await engine.dispose()
        assert counts.photos == 1
        assert not list(desk.folder.glob(f"{cid}/*"))  # the bytes are gone, not only the row
        assert http.get(f"{desk.url}/api/sessions/{cid}/attachments/{photo_id}", headers=auth).status_code == 403
