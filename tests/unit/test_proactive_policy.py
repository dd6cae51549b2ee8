"""When proactive messages go out, on a real database with the demo store and a moving clock: quiet
hours hold them until morning (then they go, or expire if no longer true), the daily cap spreads them
over days, an opt-out stops them, and an order gets at most one message per rule whichever way it
came in (scan or webhook). Also: the rules file's errors name the rule and the field."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from sqlalchemy import select

from handoff_service.core.db import make_engine, make_sessionmaker, migrate
from handoff_service.core.hub import EventHub
from handoff_service.core.models import (
    Event,
    ProactiveAlert,
    ProactivePreference,
    TrackedOrder,
)
from handoff_service.core.privacy import PrivacyService
from handoff_service.proactive.choices import AlertChoices
from handoff_service.proactive.delivery import Delivery, choice_payload
from handoff_service.proactive.policy import quiet_until
from handoff_service.proactive.rules import RulesError, load_rules, parse_rules
from handoff_service.proactive.service import ProactiveService
from handoff_service.settings import Settings
from kefu.supervisor import free_port
from kefu_outbound import SmtpChannel, WebhookChannel
from store.client import OrderTracking
from store.demo import DemoStore
from tests.conftest import ROOT, ServerThread
from tests.handoff_helpers import database

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NIGHT = dt.datetime(2026, 12, 3, 23, 30, tzinfo=SHANGHAI)  # 15:30 UTC: inside the quiet hours 22-8


@dataclass
class World:
    service: ProactiveService
    store: DemoStore
    move: Callable[[dt.datetime], None]


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLite; the tests marked BOTH run on PostgreSQL too."""
    with database(getattr(request, "param", "sqlite"), tmp_path) as url:
        yield url


@pytest.fixture
async def world(tmp_path: Path, database_url: str) -> AsyncIterator[World]:
    clock = [NIGHT.astimezone(dt.UTC)]
    engine = make_engine(database_url)
    await migrate(engine)
    sessions = make_sessionmaker(engine)
    settings = Settings(
        environment="development", store_timezone="Asia/Shanghai", proactive_quiet_hours="22-8", proactive_daily_cap=1,
        proactive_rules_path=ROOT / "proactive/rules.yml", proactive_default_channel="chat",
    )  # fmt: skip
    store = DemoStore(tmp_path / "store.db", now=clock[0] - dt.timedelta(minutes=1), clock=lambda: clock[0])
    hub = EventHub()
    service = ProactiveService(sessions, hub, store, settings, clock=lambda: clock[0], delivery=Delivery(sessions, hub, settings, channels={}))
    yield World(service, store, lambda moment: clock.__setitem__(0, moment.astimezone(dt.UTC)))
    store.close()
    await engine.dispose()


def test_quiet_hours_wrap_midnight_in_the_store_time_zone() -> None:
    zone = __import__("zoneinfo").ZoneInfo("Asia/Shanghai")
    assert quiet_until(NIGHT, "22-8", zone) == dt.datetime(2026, 12, 4, 8, tzinfo=SHANGHAI)
    assert quiet_until(dt.datetime(2026, 12, 4, 7, 59, tzinfo=SHANGHAI), "22-8", zone) == dt.datetime(2026, 12, 4, 8, tzinfo=SHANGHAI)
    assert quiet_until(dt.datetime(2026, 12, 4, 8, 0, tzinfo=SHANGHAI), "22-8", zone) is None
    assert quiet_until(NIGHT, "", zone) is None
    assert quiet_until(dt.datetime(2026, 12, 4, 13, tzinfo=SHANGHAI), "12-14", zone) == dt.datetime(2026, 12, 4, 14, tzinfo=SHANGHAI)


BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


@BOTH
async def test_alerts_found_at_night_wait_for_the_morning_and_the_cap_spreads_them_over_days(world: World) -> None:
    night = await world.service.scan()
    assert {a.outcome for a in night.alerts} == {"deferred"} and len(night.alerts) == 5
    assert all("quiet hours" in (a.reason or "") for a in night.alerts)

    world.move(dt.datetime(2026, 12, 4, 8, 5, tzinfo=SHANGHAI))
    morning = await world.service.scan()
    by_order = {a.order_id: a for a in morning.alerts}
    assert by_order["O20261115004"].outcome == "sent"  # Emma's parcel is still stuck
    # C1006 has several (a returned parcel, one shipped yesterday, the stream's failed delivery): one a day
    c1006 = [a.outcome for a in morning.alerts if a.customer_id == "C1006"]
    assert c1006.count("sent") == 1 and set(c1006) <= {"sent", "deferred", "expired"} and len(c1006) >= 2
    assert morning.public()["counts"]["sent"] >= 3

    world.move(dt.datetime(2026, 12, 5, 9, 0, tzinfo=SHANGHAI))
    next_day = await world.service.scan()
    assert "sent" in [a.outcome for a in next_day.alerts]
    assert all(a.outcome in ("sent", "expired") or "daily cap" in (a.reason or "") for a in next_day.alerts)
    async with world.service.sessions() as session:
        alerts = (await session.scalars(select(ProactiveAlert))).all()
        sent_per_day: dict[tuple[str, dt.date], int] = {}
        for alert in alerts:
            if alert.outcome == "sent":
                day = alert.sent_at.replace(tzinfo=dt.UTC).astimezone(SHANGHAI).date()
                sent_per_day[(alert.customer_id, day)] = sent_per_day.get((alert.customer_id, day), 0) + 1
                assert 8 <= alert.sent_at.replace(tzinfo=dt.UTC).astimezone(SHANGHAI).hour < 22  # never in quiet hours
        assert max(sent_per_day.values()) == 1
        assert len({(a.order_id, a.rule_id) for a in alerts}) == len(alerts)


async def test_an_alert_held_overnight_expires_when_it_is_no_longer_true(world: World) -> None:
    demo = next(o for o in (await world.service.pull())[0] if o.order_id == "O20261115004")
    stuck = dataclasses.replace(demo, order_id="W9")  # an order only the store's webhook tells of
    report = await world.service.ingest([stuck])
    assert [a.outcome for a in report.alerts] == ["deferred"]
    moved = dataclasses.replace(stuck, last_tracking_at=(NIGHT + dt.timedelta(hours=2)).isoformat(), last_tracking_text="Out for delivery")
    await world.service.ingest([moved])
    world.move(dt.datetime(2026, 12, 4, 8, 1, tzinfo=SHANGHAI))
    expired = [a for a in (await world.service.scan()).alerts if a.order_id == "W9"]
    assert [(a.outcome, a.reason) for a in expired] == [("expired", "no longer true when its time came")]


async def test_an_opted_out_customer_gets_nothing_and_the_refusal_is_logged(world: World) -> None:
    world.move(dt.datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI))
    await world.service.set_preference("C1002", True, "email", None, None)
    report = await world.service.scan()
    emma = [a for a in report.alerts if a.customer_id == "C1002"]
    assert [(a.outcome, a.conversation_id) for a in emma] == [("opted_out", None)]
    async with world.service.sessions() as session:
        assert (await session.scalars(select(Event.id).where(Event.text.contains("O20261115004")))).all() == []


@BOTH
async def test_an_order_gets_one_message_per_rule_whichever_way_it_came(world: World) -> None:
    world.move(dt.datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI))
    orders, _ = await world.service.pull()
    stuck: OrderTracking = next(o for o in orders if o.order_id == "O20261115004")
    first = await world.service.ingest([stuck])
    assert [a.outcome for a in first.alerts] == ["sent"]
    assert (await world.service.ingest([stuck])).alerts == []
    assert [a for a in (await world.service.scan()).alerts if a.order_id == "O20261115004"] == []


async def test_the_demo_stream_plays_as_time_passes(world: World) -> None:
    world.move(NIGHT + dt.timedelta(minutes=3))
    orders, cursor = await world.service.pull()
    placed = next(o for o in orders if o.order_id == "O20261203019")
    assert (placed.status, placed.carrier, placed.customer_id) == ("shipped", "顺丰速运", "C1006")
    world.move(NIGHT + dt.timedelta(minutes=20))
    later = {o.order_id: o for o in world.store.order_changes(cursor).orders}
    assert later["O20261203019"].exception == "failed_delivery"
    assert later["O20261111002"].status == "delivered"
    delayed = next(o for o in orders if o.order_id == "O20261120018")  # at +4 min: the pre-sale coat is late
    assert delayed.expected_ship_at > delayed.promised_ship_by  # type: ignore[operator]


def test_the_project_rules_validate() -> None:
    rules = load_rules(ROOT / "proactive/rules.yml", coupon_limit=15)
    assert rules.kinds() == {"no_tracking_update", "shipped", "delivery_exception", "presale_delay", "refund_completed"}
    assert all(1 <= len(r.choices) <= 3 for r in rules.rules)


RULE = """
version: 1
rules:
  - id: stuck_parcel
    kind: no_tracking_update
    text: {zh: "{name} 的包裹 {hours} 小时没动了", en: "{name}: {hours} hours"}
    choices:
      - {id: coupon, action: coupon, amount: AMOUNT, label: {zh: 领券, en: Coupon}}
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (RULE.replace("AMOUNT", "50"), "rules[0] (stuck_parcel).choices[0] (coupon).amount: 50 is above the bot's coupon authority of 15"),
        (RULE.replace("AMOUNT", "5").replace("{hours} hours", "{hourz} hours"), "rules[0] (stuck_parcel).text: en: unknown placeholder {hourz}"),
        (RULE.replace("AMOUNT", "5").replace("no_tracking_update", "parcel_late"), "rules[0] (stuck_parcel).kind: Input should be"),
        (RULE.replace("action: coupon, amount: AMOUNT", "action: remedy, remedy: teleport"), "choices[0] (coupon): remedy must be one of reship"),
        (RULE.replace("action: coupon, amount: AMOUNT", "action: coupon"), "choices[0] (coupon): a coupon choice needs an amount"),
        (RULE.replace("AMOUNT", "5").replace(", en: Coupon", ""), "choices[0] (coupon).label.en: Field required"),
        ("rules: [", "not valid YAML"),
    ],
)
def test_rule_errors_name_the_rule_and_the_field(text: str, message: str) -> None:
    with pytest.raises(RulesError) as refused:
        parse_rules(text, "proactive/rules.yml", coupon_limit=15)
    assert str(refused.value).startswith("proactive/rules.yml: ")
    assert message in str(refused.value)


async def test_two_clicks_at_once_give_one_coupon_and_a_refused_remedy_can_be_chosen_again(world: World) -> None:
    world.move(dt.datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI))
    orders, _ = await world.service.pull()
    stuck = next(o for o in orders if o.order_id == "O20261115004")
    sent = (await world.service.ingest([stuck])).alerts[0]
    choices = AlertChoices(world.service.sessions, EventHub(), world.store, world.service._settings)
    coupon = choice_payload(sent.alert_id, "wait_coupon")  # type: ignore[arg-type]
    before = len(world.store.coupons("C1002", dt.date(2026, 12, 4)))
    await asyncio.gather(*(choices.choose(sent.conversation_id, "C1002", "en", coupon) for _ in range(3)))  # type: ignore[arg-type]
    assert len(world.store.coupons("C1002", dt.date(2026, 12, 4))) == before + 1

    # an exception alert whose refund the store refuses (refunded already): the choice stays open
    exception = next(o for o in orders if o.order_id == "O20261119014")
    world.store.perform_remedy("C1006", "O20261119014", "refund", 10, "earlier partial refund")
    alert = (await world.service.ingest([exception])).alerts[0]
    await choices.choose(alert.conversation_id, "C1006", "zh", choice_payload(alert.alert_id, "refund"))  # type: ignore[arg-type]
    async with world.service.sessions() as session:
        stored = await session.get(ProactiveAlert, alert.alert_id)
        assert stored is not None and stored.choice is None and stored.choice_result["ok"] is False
        reply = (await session.scalars(select(Event.text).where(Event.conversation_id == alert.conversation_id).order_by(Event.id.desc()))).first()
    assert reply is not None and reply.startswith("抱歉，暂时没能办好（order O20261119014 already had a refund）")


async def test_a_customers_export_holds_their_alerts_and_erasure_removes_them(world: World) -> None:
    world.move(dt.datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI))
    await world.service.scan()
    await world.service.set_preference("C1002", False, "email", "emma@example.org", None)
    privacy = PrivacyService(world.service.sessions)
    exported = await privacy.export("C1002", "test")
    assert [a["order_id"] for a in exported["proactive_alerts"]] == ["O20261115004"]
    assert exported["proactive_preference"]["email"] == "emma@example.org"
    await privacy.delete("C1002", "test")
    async with world.service.sessions() as session:
        for model in (ProactiveAlert, ProactivePreference, TrackedOrder):
            assert (await session.scalars(select(model).where(model.customer_id == "C1002"))).all() == []
        assert (await session.scalars(select(ProactiveAlert))).all()  # other customers' stay


async def test_the_customers_channel_is_used_and_its_failure_is_logged_beside_the_chat(world: World) -> None:
    received: list[dict[str, object]] = []
    gateway = FastAPI()

    @gateway.post("/sms")
    async def sms(request: Request) -> dict[str, bool]:
        received.append(await request.json())
        return {"ok": True}

    world.move(dt.datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI))
    await world.service.set_preference("C1002", False, "webhook", None, "+44 7700 900123")
    await world.service.set_preference("C1006", False, "email", None, None)
    with ServerThread(gateway) as server:
        world.service.delivery.channels = {
            "webhook": WebhookChannel(f"{server.url}/sms", "gateway-secret"),
            "email": SmtpChannel("127.0.0.1", free_port(), "s@yue.example", timeout=2),  # nobody listens there
        }
        report = await world.service.scan()
    emma = next(a for a in report.alerts if a.customer_id == "C1002")
    assert emma.channels == {"chat": "sent", "webhook": "sent"}
    assert received[0]["to"] == "+44 7700 900123" and "has not moved for" in str(received[0]["text"])
    zhou = next(a for a in report.alerts if a.customer_id == "C1006" and a.outcome == "sent")
    assert zhou.channels["chat"] == "sent" and zhou.channels["email"].startswith("failed: e-mail via 127.0.0.1")
