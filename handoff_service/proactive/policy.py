"""When an alert may go out: quiet hours in the store's time zone and the customer's day (for the cap)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def quiet_hours(spec: str) -> tuple[int, int] | None:
    """"22-8" → (22, 8); "" → None (no quiet hours). The setting's pattern already checked the shape."""
    if not spec.strip():
        return None
    start, end = (int(part) for part in spec.split("-"))
    return None if start == end else (start, end % 24)


def quiet_until(now: dt.datetime, spec: str, zone: ZoneInfo) -> dt.datetime | None:
    """The end of the quiet hours `now` falls in (UTC), or None when messages may go out now."""
    window = quiet_hours(spec)
    if window is None:
        return None
    start, end = window
    local = now.astimezone(zone)
    hour = local.hour + local.minute / 60 + local.second / 3600
    inside = start <= hour < end if start < end else hour >= start or hour < end
    if not inside:
        return None
    day = local.date() if hour < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(end), zone).astimezone(dt.UTC)


def day_start(now: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """Midnight of the store-local day `now` is in, as UTC: the daily cap counts from here."""
    local = now.astimezone(zone)
    return dt.datetime.combine(local.date(), dt.time(0), zone).astimezone(dt.UTC)


def next_day(now: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(now.astimezone(zone).date() + dt.timedelta(days=1), dt.time(0), zone).astimezone(dt.UTC)
