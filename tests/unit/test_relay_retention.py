"""The relay outbox does not grow for ever (issue #15): a supervised background loop deletes the
rows of relays delivered longer ago than `relay_keep_hours`; a relay still due is never deleted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Connection, text

from handoff_service.app import create_app
from handoff_service.chat import outbox
from handoff_service.core.models import utcnow
from tests.conftest import ServerThread, wait_until
from tests.handoff_helpers import FakeRasa, database, open_chat
from tests.unit.test_relay_outbox import on_db, relays, settings_for


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path) as url:
        yield url


def test_delivered_relays_are_deleted_after_the_kept_time_and_due_ones_never(db_url: str, http: httpx.Client) -> None:
    rasa = FakeRasa()
    settings = settings_for(db_url, relay_keep_hours=1 / 3600, relay_purge_interval_seconds=0.2)
    with ServerThread(create_app(settings, rasa_transport=httpx.MockTransport(rasa.handler))) as server:
        cid, auth = open_chat(http, server.url)
        for text_ in ("你好", "在吗", "发货"):
            assert http.post(f"{server.url}/api/sessions/{cid}/messages", json={"text": text_}, headers=auth).status_code == 202
        wait_until(lambda: len(rows := relays(db_url)) == 3 and all(r["outcome"] == "answered" for r in rows), timeout=10)
        due_id = relays(db_url)[-1]["event_id"]

        def make_due(connection: Connection) -> None:  # as if its holder were still relaying it, for an hour
            long_ago, later = utcnow() - dt.timedelta(days=30), utcnow() + dt.timedelta(hours=1)
            connection.execute(
                text("UPDATE relays SET outcome = NULL, finished_at = NULL, due_at = :ago, lease_owner = 'elsewhere', lease_until = :later WHERE event_id = :id"),
                {"ago": long_ago, "later": later, "id": due_id},
            )
            connection.commit()

        on_db(db_url, make_due)
        left = wait_until(lambda: [r["event_id"] for r in relays(db_url)] == [due_id] and relays(db_url), timeout=10)
        assert left[0]["outcome"] is None
        loop = http.get(f"{server.url}/healthz").json()["loops"]["relay_retention"]
        assert loop["ok"] and loop["last_success"]


def test_the_purge_works_in_batches_and_keeps_recent_relays(db_url: str, http: httpx.Client) -> None:
    rasa = FakeRasa()
    with ServerThread(create_app(settings_for(db_url), rasa_transport=httpx.MockTransport(rasa.handler))) as server:
        cid, auth = open_chat(http, server.url)
        for n in range(7):
            assert http.post(f"{server.url}/api/sessions/{cid}/messages", json={"text": f"m{n}"}, headers=auth).status_code == 202
        wait_until(lambda: len(rows := relays(db_url)) == 7 and all(r["outcome"] == "answered" for r in rows), timeout=10)
    ids = [r["event_id"] for r in relays(db_url)]
    old = utcnow() - dt.timedelta(days=8)

    def age(connection: Connection) -> None:  # four delivered long ago, one recently, two due (old)
        connection.execute(text("UPDATE relays SET finished_at = :old WHERE event_id <= :upto"), {"old": old, "upto": ids[3]})
        connection.execute(text("UPDATE relays SET outcome = NULL, finished_at = NULL, due_at = :old WHERE event_id >= :from_"),
                           {"old": old, "from_": ids[5]})
        connection.commit()

    on_db(db_url, age)
    before = utcnow() - dt.timedelta(days=7)
    assert on_db(db_url, lambda c: outbox.purge(c, before, 3)) == 3
    assert on_db(db_url, lambda c: outbox.purge(c, before, 3)) == 1
    assert on_db(db_url, lambda c: outbox.purge(c, before, 3)) == 0
    kept = relays(db_url)
    assert [r["event_id"] for r in kept] == ids[4:]
    assert [r["outcome"] for r in kept] == ["answered", None, None]
