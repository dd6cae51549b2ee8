"""The weekly report by e-mail (handoff_service/insight/mailing.py, `kefu report weekly --email`)
against a real aiosmtpd server on a free port, and the schedule that sends last week's report once
per week even with two replicas and after a restart, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.header
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from handoff_service.core.db import make_engine, migrate
from handoff_service.insight import demo_history
from handoff_service.insight.mailing import WeeklyMailer, due_week, parse_recipients
from handoff_service.insight.periods import Period
from handoff_service.insight.service import InsightService
from handoff_service.insight.voice import weekly
from kefu.cli import app as kefu_cli
from kefu.supervisor import free_port
from kefu_outbound import ChannelError, SmtpChannel
from store.demo import DemoStore
from tests.handoff_helpers import database

TZ = "Asia/Shanghai"
SHANGHAI = ZoneInfo(TZ)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.Message]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if address in self.refuse:
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path) as database_url:
        yield database_url


def parts(mail: email.message.Message) -> dict[str, str]:
    return {p.get_content_type(): p.get_payload(decode=True).decode() for p in mail.walk() if not p.is_multipart()}


def subject(mail: email.message.Message) -> str:
    return str(email.header.make_header(email.header.decode_header(mail["Subject"])))


def test_recipients_are_parsed_and_a_word_without_at_is_refused() -> None:
    assert parse_recipients(" a@b.c, d@e.f ,") == ["a@b.c", "d@e.f"]
    assert parse_recipients("") == [] and parse_recipients(None) == []
    with pytest.raises(ValueError, match="not an e-mail address: bob"):
        parse_recipients("a@b.c,bob")


def test_the_week_due_turns_at_the_configured_weekday_and_hour_in_the_stores_time() -> None:
    # Monday 2026-11-30 is in ISO week 49; its report day for week 48 is Monday 08:00 Shanghai.
    before = dt.datetime(2026, 11, 30, 7, 59, tzinfo=SHANGHAI)
    after = dt.datetime(2026, 11, 30, 8, 0, tzinfo=SHANGHAI)
    assert due_week(before, TZ, 1, 8).iso_week_name() == "2026-W47"
    assert due_week(after, TZ, 1, 8).iso_week_name() == "2026-W48"
    assert due_week(after.astimezone(dt.UTC), TZ, 1, 8).iso_week_name() == "2026-W48"  # 00:00 UTC: the store's clock decides
    assert due_week(dt.datetime(2026, 12, 2, 9, tzinfo=SHANGHAI), TZ, 3, 10).iso_week_name() == "2026-W47"  # Wednesday, before 10:00


@pytest.mark.slow  # loads the knowledge base's encoder to cluster the week's messages (seconds of CPU)
def test_kefu_report_weekly_email_sends_the_html_report_and_a_text_summary(
    smtp: tuple[Inbox, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp
    url, store_path = f"sqlite+aiosqlite:///{tmp_path / 'kefu.db'}", tmp_path / "store.db"
    yesterday = dt.datetime.now(SHANGHAI).date() - dt.timedelta(days=1)

    async def seed() -> None:
        engine = make_engine(url)
        try:
            await migrate(engine)
            store = DemoStore(store_path)
            await demo_history.seed(engine, 2, 3, yesterday, TZ, store, chats_per_day=8)
            store.close()
        finally:
            await engine.dispose()

    asyncio.run(seed())
    for name, value in {"DATABASE_URL": url, "STORE_PATH": str(store_path), "ENVIRONMENT": "development", "SMTP_HOST": "127.0.0.1",
                        "SMTP_PORT": str(port), "SMTP_SENDER": "kefu@yue.example", "SHOP_NAME": "Yue"}.items():  # fmt: skip
        monkeypatch.setenv(f"KEFU_{name}", value)
    week = "{}-W{:02d}".format(*(yesterday - dt.timedelta(days=7)).isocalendar()[:2])
    result = CliRunner().invoke(kefu_cli, ["report", "weekly", "--week", week, "--out", str(tmp_path), "--lang", "en",
                                           "--email", "lead@yue.example, ops@yue.example"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(to for rcpt, _ in inbox.messages for to in rcpt) == ["lead@yue.example", "ops@yue.example"]
    mail = inbox.messages[0][1]
    assert subject(mail) == f"[Yue] Weekly voice of the customer {week}" and mail["Content-Language"] == "en"
    body = parts(mail)
    assert body["text/html"].replace("\r\n", "\n").rstrip("\n") == (tmp_path / f"voice-{week}.html").read_text(encoding="utf-8")  # the self-contained report itself
    assert 'data-testid="chart-topics"' in body["text/html"] and "<script" not in body["text/html"]
    text = body["text/plain"].replace("\r\n", "\n")
    assert f"Weekly voice of the customer · {week}" in text and "Chats: " in text and "This week's topics" in text
    assert "Demo data:" in text  # the demo history is never passed off as real

    refused = CliRunner().invoke(kefu_cli, ["report", "weekly", "--week", week, "--out", str(tmp_path), "--email", "lead"])
    assert refused.exit_code == 2 and "not an e-mail address: lead" in refused.output
    monkeypatch.delenv("KEFU_SMTP_HOST")
    unset = CliRunner().invoke(kefu_cli, ["report", "weekly", "--week", week, "--out", str(tmp_path), "--email", "a@b.c"])
    assert unset.exit_code == 2 and "KEFU_SMTP_HOST" in unset.output
    assert len(inbox.messages) == 2


def never_encode(texts: list[str]) -> Any:
    raise AssertionError("an empty week has nothing to cluster")


def test_the_scheduled_report_goes_once_per_week_with_two_replicas_and_after_a_restart(url: str, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    recipients = ["lead@yue.example", "ops@yue.example"]
    monday_9 = dt.datetime(2026, 11, 30, 9, tzinfo=SHANGHAI)

    def replica(engine: Any, channel: Any = None) -> WeeklyMailer:
        insight = InsightService(engine, timezone=TZ)
        return WeeklyMailer(
            engine, lambda period: weekly(insight, engine, period, None, never_encode),
            channel or SmtpChannel("127.0.0.1", port, "kefu@yue.example"), recipients, TZ, weekday=1, hour=8,
        )  # fmt: skip

    async def main() -> list[Any]:
        first, second = make_engine(url), make_engine(url)
        try:
            await migrate(first)
            a, b = replica(first), replica(second)
            together = await asyncio.gather(*(m.run_once(monday_9) for m in (a, b, a, b)))
            later_that_day = await b.run_once(monday_9 + dt.timedelta(hours=5))
            await second.dispose()
            second = make_engine(url)  # a restart
            restarted = await replica(second).run_once(monday_9 + dt.timedelta(days=1))
            next_week = await asyncio.gather(*(replica(e).run_once(monday_9 + dt.timedelta(days=7)) for e in (first, second)))
            async with first.connect() as conn:
                rows = (await conn.exec_driver_sql("SELECT period, sent_to, sent_at FROM report_runs ORDER BY period")).all()
            return [together, later_that_day, restarted, next_week, rows]
        finally:
            await first.dispose()
            await second.dispose()

    together, later_that_day, restarted, next_week, rows = asyncio.run(main())
    assert sorted(w for w in together if w) == ["2026-W48"] and later_that_day is None and restarted is None
    assert sorted(w for w in next_week if w) == ["2026-W49"]
    assert [rcpt for rcpt, _ in inbox.messages] == [[r] for r in recipients] * 2
    assert [subject(m) for _, m in inbox.messages[:1]] == ["【kefu】每周顾客之声 2026-W48"]
    assert [r[0] for r in rows] == ["2026-W48", "2026-W49"] and all(r[2] is not None for r in rows)


def test_a_refused_recipient_is_retried_on_the_next_pass_without_mailing_the_others_twice(url: str, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    inbox.refuse.add("ops@yue.example")
    monday_9 = dt.datetime(2026, 11, 30, 9, tzinfo=SHANGHAI)

    async def main() -> tuple[Any, Any]:
        engine = make_engine(url)
        try:
            await migrate(engine)
            insight = InsightService(engine, timezone=TZ)

            def mailer() -> WeeklyMailer:
                return WeeklyMailer(
                    engine, lambda period: weekly(insight, engine, period, None, never_encode),
                    SmtpChannel("127.0.0.1", port, "kefu@yue.example"), ["lead@yue.example", "ops@yue.example"], TZ,
                )  # fmt: skip

            with pytest.raises(ChannelError, match="refused the address ops@yue.example"):
                await mailer().run_once(monday_9)
            inbox.refuse.clear()
            return await mailer().run_once(monday_9 + dt.timedelta(minutes=10)), await mailer().run_once(monday_9 + dt.timedelta(minutes=20))
        finally:
            await engine.dispose()

    retried, again = asyncio.run(main())
    assert retried == "2026-W48" and again is None
    assert [rcpt for rcpt, _ in inbox.messages] == [["lead@yue.example"], ["ops@yue.example"]]


def test_the_service_refuses_to_start_with_recipients_but_no_smtp_server() -> None:
    from handoff_service.app import create_app
    from handoff_service.settings import Settings, UnsafeSettings

    with pytest.raises(UnsafeSettings, match="KEFU_REPORT_WEEKLY_TO: needs KEFU_SMTP_HOST"):
        create_app(Settings(environment="development", report_weekly_to="lead@yue.example"))
    with pytest.raises(UnsafeSettings, match="not an e-mail address: lead"):
        create_app(Settings(environment="development", report_weekly_to="lead", smtp_host="127.0.0.1"))


def test_a_period_is_what_the_schedule_reports() -> None:
    assert due_week(dt.datetime(2026, 12, 7, 8, tzinfo=SHANGHAI), TZ, 1, 8) == Period(dt.date(2026, 11, 30), dt.date(2026, 12, 6), TZ)


def test_two_replicas_of_the_service_send_last_weeks_report_once_from_their_background_loop(tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    import httpx

    from handoff_service.app import create_app
    from handoff_service.settings import Settings
    from kb_index.settings import KbSettings
    from tests.conftest import ROOT, ServerThread, wait_until
    from tests.handoff_helpers import IDENTITY_SECRET, SECRET, FakeRasa

    inbox, port = smtp
    url = f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"
    settings = Settings(
        environment="development", database_url=url, handoff_secret=SECRET, identity_secret=IDENTITY_SECRET,
        demo_agent_username=None, store_path=tmp_path / "store.db", smtp_host="127.0.0.1", smtp_port=port,
        report_weekly_to="lead@yue.example", report_weekly_lang="en", report_check_seconds=0.2, shop_name="Yue",
    )  # fmt: skip
    kb = KbSettings(knowledge_dir=ROOT / "knowledge", index_dir=tmp_path / "kb")

    def replica() -> ServerThread:
        return ServerThread(create_app(settings, rasa_transport=httpx.MockTransport(FakeRasa().handler), kb_settings=kb))

    with replica() as one, replica() as two, httpx.Client(timeout=30) as http:
        wait_until(lambda: len(inbox.messages) >= 1)
        for server in (one, two):  # both loops have run (and found the week taken) a few times
            wait_until(lambda s=server: (h := http.get(f"{s.url}/healthz").json()["loops"].get("weekly_report")) and h["ok"])
        time.sleep(1.0)
    due = due_week(dt.datetime.now(dt.UTC), TZ, 1, 8).iso_week_name()
    assert [(rcpt, subject(m)) for rcpt, m in inbox.messages] == [(["lead@yue.example"], f"[Yue] Weekly voice of the customer {due}")]
