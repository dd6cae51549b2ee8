"""A period of the store's calendar: local days in the store's time zone, as UTC bounds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handoff_service.core.errors import BadRequest

MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    """Days `first`..`last` (inclusive) in `timezone`: a chat belongs to the local day it began on,
    so one that starts at 23:59 and ends after midnight counts once, on its first day."""

    first: dt.date
    last: dt.date
    timezone: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise BadRequest("结束日期早于开始日期。The period ends before it begins.")
        if self.days > MAX_DAYS:
            raise BadRequest(f"时段最长 {MAX_DAYS} 天。A period is at most {MAX_DAYS} days.")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise BadRequest(f"未知时区 {self.timezone!r}。Unknown time zone {self.timezone!r}.") from exc

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), self.zone).astimezone(dt.UTC)

    @property
    def end(self) -> dt.datetime:
        """The first instant after the period (exclusive)."""
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), self.zone).astimezone(dt.UTC)

    def previous(self) -> Period:
        """The same number of days just before: what the dashboard compares with."""
        return Period(self.first - dt.timedelta(days=self.days), self.first - dt.timedelta(days=1), self.timezone)

    def local(self, moment: dt.datetime) -> dt.datetime:
        return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(self.zone)

    def public(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat(), "timezone": self.timezone}

    @classmethod
    def parse(cls, first: str, last: str, timezone: str) -> Period:
        try:
            return cls(dt.date.fromisoformat(first), dt.date.fromisoformat(last), timezone)
        except ValueError as exc:
            raise BadRequest("日期格式应为 YYYY-MM-DD。Dates are YYYY-MM-DD.") from exc

    @classmethod
    def iso_week(cls, week: str, timezone: str) -> Period:
        """`2026-W48`: Monday to Sunday of that ISO week."""
        try:
            year, number = week.upper().split("-W")
            monday = dt.date.fromisocalendar(int(year), int(number), 1)
        except ValueError as exc:
            raise BadRequest(f"{week!r} 不是 ISO 周（如 2026-W48）。{week!r} is not an ISO week such as 2026-W48.") from exc
        return cls(monday, monday + dt.timedelta(days=6), timezone)

    @classmethod
    def last_full_week(cls, today: dt.date, timezone: str) -> Period:
        monday = today - dt.timedelta(days=today.weekday() + 7)
        return cls(monday, monday + dt.timedelta(days=6), timezone)

    def iso_week_name(self) -> str:
        year, week, _ = self.first.isocalendar()
        return f"{year}-W{week:02d}"
