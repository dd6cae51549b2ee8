"""Opening hours, holidays and shifts in the store's time zone (#19), and the staffing they need.

Every decision converts the UTC instant to the store's local time first: comparing the UTC hour
with store-local hours was 8 hours off for Asia/Shanghai."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class HoursError(ValueError):
    """An opening-hours, holiday or time-zone setting that cannot be read; the message says which part."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise HoursError(f"unknown time zone {name!r} (an IANA name such as Asia/Shanghai)") from None


def _days(part: str) -> list[int]:
    days: list[int] = []
    for piece in part.split(","):
        piece = piece.strip().lower()
        if "-" in piece:
            first, last = (p.strip() for p in piece.split("-", 1))
            if first not in DAYS or last not in DAYS:
                raise HoursError(f"unknown weekday in {piece!r} (use mon … sun)")
            a, b = DAYS.index(first), DAYS.index(last)
            days.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(b + 1)])
        elif piece in DAYS:
            days.append(DAYS.index(piece))
        else:
            raise HoursError(f"unknown weekday {piece!r} (use mon … sun)")
    return days


def parse_opening_hours(spec: str) -> dict[int, list[tuple[int, int]]]:
    """"mon-fri 09:00-22:00; sat,sun 10:00-18:00" → {weekday: [(start minute, end minute)]}.
    24:00 ends a day; a day not named is closed."""
    week: dict[int, list[tuple[int, int]]] = {d: [] for d in range(7)}
    for clause in filter(None, (c.strip() for c in spec.split(";"))):
        try:
            days_part, *windows = clause.split()
        except ValueError:
            raise HoursError(f"expected 'days hh:mm-hh:mm' in {clause!r}") from None
        if not windows:
            raise HoursError(f"no hours in {clause!r}")
        for window in windows:
            match = _WINDOW.match(window)
            if not match:
                raise HoursError(f"expected hh:mm-hh:mm, got {window!r}")
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            start, end = h1 * 60 + m1, h2 * 60 + m2
            if not (0 <= start < end <= 24 * 60) or m1 > 59 or m2 > 59:
                raise HoursError(f"{window!r} is not a window within one day")
            for day in _days(days_part):
                week[day].append((start, end))
    return week


def parse_holidays(spec: str) -> set[dt.date]:
    try:
        return {dt.date.fromisoformat(d.strip()) for d in spec.split(",") if d.strip()}
    except ValueError as exc:
        raise HoursError(f"holidays must be YYYY-MM-DD dates separated by commas: {exc}") from None


@dataclass(frozen=True)
class OpeningHours:
    """When people answer, in the store's local time."""

    timezone: str = "Asia/Shanghai"
    week: dict[int, list[tuple[int, int]]] | None = None  # None: every day opening_hour..closing_hour
    opening_hour: int = 0
    closing_hour: int = 24
    holidays: frozenset[dt.date] = frozenset()

    @classmethod
    def from_settings(cls, timezone: str, opening_hours: str, holidays: str, opening_hour: int, closing_hour: int) -> OpeningHours:
        zone(timezone)
        return cls(
            timezone=timezone,
            week=parse_opening_hours(opening_hours) if opening_hours.strip() else None,
            opening_hour=opening_hour,
            closing_hour=closing_hour,
            holidays=frozenset(parse_holidays(holidays)),
        )

    def local(self, now: dt.datetime) -> dt.datetime:
        if now.tzinfo is None:
            now = now.replace(tzinfo=dt.UTC)
        return now.astimezone(zone(self.timezone))

    def is_open(self, now: dt.datetime) -> bool:
        local = self.local(now)
        if local.date() in self.holidays:
            return False
        if self.week is None:
            return self.opening_hour <= local.hour < self.closing_hour
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.week[local.weekday()])


def on_shift(shifts: Iterable[tuple[int, int, int]], local: dt.datetime) -> bool:
    """Does any (weekday, start minute, end minute) cover this local moment?"""
    minute = local.hour * 60 + local.minute
    return any(day == local.weekday() and start <= minute < end for day, start, end in shifts)


def suggested_staffing(
    arrivals: Iterable[dt.datetime], timezone: str, weeks: int, chats_per_agent_hour: float
) -> list[dict[str, float | int]]:
    """Agents to plan for each local weekday and hour: the average number of chats that reached the
    desk in that hour over the last `weeks` weeks, divided by what one agent handles in an hour,
    rounded up (an hour with any chats gets at least one person)."""
    tz = zone(timezone)
    counts: Counter[tuple[int, int]] = Counter()
    for moment in arrivals:
        local = (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(tz)
        counts[(local.weekday(), local.hour)] += 1
    rows: list[dict[str, float | int]] = []
    for day in range(7):
        for hour in range(24):
            average = counts[(day, hour)] / max(weeks, 1)
            rows.append({
                "weekday": day, "hour": hour, "average_chats": round(average, 2),
                "agents": math.ceil(average / chats_per_agent_hour) if average else 0,
            })  # fmt: skip
    return rows
