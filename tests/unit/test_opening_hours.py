"""Opening hours in the store's time zone (#19): the same UTC instant is open in one store and
out of hours in another; the sweeper turns a queued chat into a callback out of hours."""

from __future__ import annotations

import datetime as dt

import pytest

from handoff_service.core.hours import (
    HoursError,
    OpeningHours,
    on_shift,
    parse_opening_hours,
    suggested_staffing,
)
from handoff_service.desk.sweeper import is_open
from handoff_service.settings import Settings

# Monday 2026-12-07 02:30 UTC = 10:30 in Shanghai (Monday) = 21:30 on Sunday in New York
INSTANT = dt.datetime(2026, 12, 7, 2, 30, tzinfo=dt.UTC)
HOURS = "mon-fri 09:00-18:00; sat 10:00-16:00"


def settings(timezone: str, **more: str) -> Settings:
    return Settings(environment="development", store_timezone=timezone, opening_hours=HOURS, **more)


def test_the_same_utc_instant_is_open_in_shanghai_and_out_of_hours_in_new_york():
    assert is_open(settings("Asia/Shanghai"), INSTANT)
    assert not is_open(settings("America/New_York"), INSTANT)  # Sunday evening there: closed
    assert not is_open(settings("Europe/Berlin"), INSTANT)  # 03:30 on Monday


def test_the_old_hour_bounds_mean_store_local_hours_not_utc():
    # 09-18 local: at 02:30 UTC the UTC hour (2) is outside, Shanghai's (10) inside
    shanghai = Settings(environment="development", store_timezone="Asia/Shanghai", opening_hour=9, closing_hour=18)
    london = Settings(environment="development", store_timezone="Europe/London", opening_hour=9, closing_hour=18)
    assert is_open(shanghai, INSTANT) and not is_open(london, INSTANT)


def test_a_holiday_is_closed_all_day_in_the_stores_calendar():
    assert not is_open(settings("Asia/Shanghai", holidays="2026-12-07"), INSTANT)
    assert is_open(settings("Asia/Shanghai", holidays="2026-12-06"), INSTANT)


def test_opening_hours_are_read_per_weekday_with_clear_errors():
    week = parse_opening_hours("mon-fri 09:00-12:00 13:00-18:00; sun 10:00-24:00")
    assert week[0] == [(540, 720), (780, 1080)] and week[6] == [(600, 1440)] and week[5] == []
    for bad, says in [("mon 9-18", "hh:mm"), ("someday 09:00-10:00", "weekday"), ("mon 18:00-09:00", "within one day")]:
        with pytest.raises(HoursError, match=says):
            parse_opening_hours(bad)
    with pytest.raises(HoursError, match="time zone"):
        OpeningHours.from_settings("Mars/Olympus", "", "", 0, 24)


def test_shifts_are_matched_in_local_time():
    local = OpeningHours("Asia/Shanghai").local(INSTANT)
    assert on_shift([(0, 9 * 60, 18 * 60)], local)
    assert not on_shift([(0, 11 * 60, 18 * 60)], local)
    assert not on_shift([(6, 0, 1440)], local)  # Sunday's shift, though it is Sunday in UTC-land


def test_staffing_is_suggested_per_local_hour_from_past_weeks():
    # two weeks: 31 chats on each Monday 02:00-03:00 UTC (10:00 in Shanghai), 1 on a Tuesday
    arrivals = [INSTANT - dt.timedelta(weeks=w, minutes=m) for w in (0, 1) for m in range(30)]
    arrivals += [INSTANT + dt.timedelta(minutes=5), INSTANT - dt.timedelta(weeks=1, minutes=-5)]
    arrivals.append(INSTANT + dt.timedelta(days=1))
    rows = {(r["weekday"], r["hour"]): r for r in suggested_staffing(arrivals, "Asia/Shanghai", 2, 6.0)}
    assert rows[(0, 10)]["average_chats"] == 31.0 and rows[(0, 10)]["agents"] == 6  # 31/6 → 6
    assert rows[(0, 2)]["agents"] == 0  # the UTC hour is not the store's
    assert rows[(1, 10)]["average_chats"] == 0.5 and rows[(1, 10)]["agents"] == 1 and rows[(3, 3)]["agents"] == 0


def test_out_of_hours_a_queued_chat_becomes_a_callback(tmp_path):
    """The sweeper applies the store's hours: on a holiday (in the store's calendar) nobody answers,
    so a waiting shopper is offered a callback at once instead of waiting."""
    import httpx

    from handoff_service.app import create_app
    from kb_index.settings import KbSettings
    from tests.conftest import ROOT, ServerThread, wait_until
    from tests.handoff_helpers import (
        IDENTITY_SECRET,
        SECRET,
        FakeRasa,
        escalate,
        events,
        open_chat,
    )

    today = dt.datetime.now(dt.UTC).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).date()
    app = create_app(
        Settings(environment="development", database_url=f"sqlite+aiosqlite:///{tmp_path / 'h.db'}", handoff_secret=SECRET,
                 identity_secret=IDENTITY_SECRET, demo_agent_username=None, store_path=tmp_path / "store.db",
                 holidays=today.isoformat(), sweep_interval_seconds=0.2),
        rasa_transport=httpx.MockTransport(FakeRasa().handler),
        kb_settings=KbSettings(knowledge_dir=ROOT / "knowledge", index_dir=tmp_path / "kb"),
    )
    with ServerThread(app) as server, httpx.Client(timeout=30) as http:
        cid, auth = open_chat(http, server.url)
        escalate(http, server.url, cid)
        assert wait_until(lambda: any(e["payload"].get("state") == "callback" for e in events(http, server.url, cid, auth)), 10)


def test_hours_the_service_cannot_read_stop_it_at_the_start_with_the_reason():
    from handoff_service.app import create_app
    from handoff_service.settings import UnsafeSettings

    with pytest.raises(UnsafeSettings, match="KEFU_OPENING_HOURS.*hh:mm"):
        create_app(Settings(environment="development", opening_hours="weekdays 9-5"))
    with pytest.raises(UnsafeSettings, match="time zone"):
        create_app(Settings(environment="development", store_timezone="Asia/Atlantis"))
