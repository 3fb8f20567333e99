"""Business-time arithmetic for service level agreements. Pure functions: no database, no Frappe.

A `ServiceCalendar` holds the weekly service hours (per weekday, Monday = 0, a list of
(start, end) wall-clock windows), a set of holidays and two time zones:

- `tz`: the zone the service hours are read in (the support desk's zone);
- `data_tz`: the zone of the naive datetimes passed in and returned (Frappe stores datetimes
  naive in the site's system time zone). Defaults to `tz`.

Both functions work window by window and day by day (one step per calendar day plus one per
service window touched), never minute by minute: a 40-business-hour target with 8-hour days takes
about a week's worth of steps whatever the minutes. Pass a `Steps` to count them.

Windows are converted to UTC before any subtraction, so a daylight-saving change inside a
window counts the real elapsed time. An end time of 00:00 means midnight at the end of the day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

MAX_DAYS = 366 * 10  # a calendar with no service hours at all must not loop for ever
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

Window = tuple[time, time]


class NoServiceHoursError(ValueError):
	"""The calendar has no service hours within MAX_DAYS of the start."""


@dataclass
class Steps:
	"""Counts the loop iterations (days and windows visited) of the calculations."""

	days: int = 0
	windows: int = 0

	@property
	def total(self) -> int:
		return self.days + self.windows


@dataclass(frozen=True)
class ServiceCalendar:
	hours: Mapping[int, tuple[Window, ...]]
	holidays: frozenset[date] = field(default_factory=frozenset)
	tz: str | None = None
	data_tz: str | None = None
	# day -> that day's windows in UTC; filled lazily (many tickets share the same days)
	_windows: dict = field(default_factory=dict, compare=False, repr=False)

	@classmethod
	def build(
		cls,
		hours: Mapping[int, Iterable[Window]] | Iterable[tuple[int, time, time]],
		holidays: Iterable[date] = (),
		tz: str | None = None,
		data_tz: str | None = None,
	) -> ServiceCalendar:
		"""hours: {weekday: [(start, end), ...]} or [(weekday, start, end), ...]."""
		per_day: dict[int, list[Window]] = {}
		items = hours.items() if isinstance(hours, Mapping) else None
		if items is not None:
			for weekday, windows in items:
				per_day.setdefault(weekday, []).extend(windows)
		else:
			for weekday, start, end in hours:
				per_day.setdefault(weekday, []).append((start, end))
		for weekday, windows in per_day.items():
			validate_windows(weekday, windows)
		return cls(
			hours={d: tuple(sorted(w)) for d, w in per_day.items()},
			holidays=frozenset(holidays),
			tz=tz,
			data_tz=data_tz,
		)

	@property
	def has_hours(self) -> bool:
		return any(self.hours.values())


def validate_windows(weekday: int, windows: Iterable[Window]) -> None:
	"""Each window must end after it starts (00:00 as end = midnight) and windows must not overlap."""
	spans = sorted((_minutes(s), _end_minutes(e)) for s, e in windows)
	for start, end in spans:
		if end <= start:
			raise ValueError(f"Service hours on {WEEKDAYS[weekday]} must end after they start")
	for (_s1, e1), (s2, _e2) in zip(spans, spans[1:], strict=False):
		if s2 < e1:
			raise ValueError(f"Service hours on {WEEKDAYS[weekday]} overlap")


def _minutes(t: time) -> float:
	return t.hour * 60 + t.minute + (t.second / 60)


def _end_minutes(t: time) -> float:
	return 24 * 60 if t == time(0, 0) else _minutes(t)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
	return ZoneInfo(name)


def _to_utc(dt: datetime, zone_name: str | None) -> datetime:
	"""Naive datetime in `zone_name` (or aware) -> naive UTC. No zone: returned as is."""
	if dt.tzinfo is not None:
		return dt.astimezone(timezone.utc).replace(tzinfo=None)
	if not zone_name:
		return dt
	return dt.replace(tzinfo=_zone(zone_name)).astimezone(timezone.utc).replace(tzinfo=None)


def _from_utc(dt: datetime, zone_name: str | None) -> datetime:
	if not zone_name:
		return dt
	return dt.replace(tzinfo=timezone.utc).astimezone(_zone(zone_name)).replace(tzinfo=None)


def _local_date(utc: datetime, cal: ServiceCalendar) -> date:
	return _from_utc(utc, cal.tz).date() if cal.tz else utc.date()


def _windows_utc(day: date, cal: ServiceCalendar) -> list[tuple[datetime, datetime]]:
	"""The day's service windows as naive-UTC (start, end) pairs; none on a holiday. Memoised per calendar."""
	cached = cal._windows.get(day)
	if cached is not None:
		return cached
	cal._windows[day] = out = _compute_windows(day, cal)
	return out


def _compute_windows(day: date, cal: ServiceCalendar) -> list[tuple[datetime, datetime]]:
	if day in cal.holidays:
		return []
	out = []
	for start, end in cal.hours.get(day.weekday(), ()):
		local_start = datetime.combine(day, start)
		local_end = (
			datetime.combine(day + timedelta(days=1), time(0))
			if end == time(0)
			else datetime.combine(day, end)
		)
		out.append((_to_utc(local_start, cal.tz), _to_utc(local_end, cal.tz)))
	return out


def _check(cal: ServiceCalendar) -> None:
	if not cal.has_hours:
		raise NoServiceHoursError("The service calendar has no service hours")


def add_business_minutes(
	start: datetime, minutes: float, cal: ServiceCalendar, steps: Steps | None = None
) -> datetime:
	"""The moment `minutes` business minutes after `start` (naive in cal.data_tz or cal.tz)."""
	return add_business_minutes_many(start, [minutes], cal, steps)[0]


def add_business_minutes_many(
	start: datetime, targets: list[float], cal: ServiceCalendar, steps: Steps | None = None
) -> list[datetime]:
	"""Several targets from one start in a single walk (e.g. response and resolution deadlines)."""
	if any(m < 0 for m in targets):
		raise ValueError("minutes must not be negative")
	results: list[datetime | None] = [start if m == 0 else None for m in targets]
	pending = sorted((timedelta(minutes=m), i) for i, m in enumerate(targets) if m > 0)
	if not pending:
		return results
	_check(cal)
	data_tz = cal.data_tz or cal.tz
	cursor = _to_utc(start, data_tz)
	used = timedelta()  # business time consumed so far
	day = _local_date(cursor, cal) - timedelta(days=1)  # a window may start the local day before
	for _ in range(MAX_DAYS):
		if steps is not None:
			steps.days += 1
		for w_start, w_end in _windows_utc(day, cal):
			if w_end <= cursor:
				continue
			if steps is not None:
				steps.windows += 1
			begin = max(w_start, cursor)
			available = w_end - begin
			while pending and pending[0][0] - used <= available:
				target, index = pending.pop(0)
				results[index] = _from_utc(begin + (target - used), data_tz)
			if not pending:
				return results
			used += available
			cursor = w_end
		day += timedelta(days=1)
	raise NoServiceHoursError(f"No service hours within {MAX_DAYS} days")


def business_minutes_between(
	start: datetime, end: datetime, cal: ServiceCalendar, steps: Steps | None = None
) -> float:
	"""Business minutes from `start` to `end` (0 when end is not after start)."""
	_check(cal)
	data_tz = cal.data_tz or cal.tz
	start_utc, end_utc = _to_utc(start, data_tz), _to_utc(end, data_tz)
	if end_utc <= start_utc:
		return 0.0
	total = timedelta()
	day = _local_date(start_utc, cal) - timedelta(days=1)
	last = _local_date(end_utc, cal)
	while day <= last:
		if steps is not None:
			steps.days += 1
		for w_start, w_end in _windows_utc(day, cal):
			begin, finish = max(w_start, start_utc), min(w_end, end_utc)
			if finish > begin:
				if steps is not None:
					steps.windows += 1
				total += finish - begin
		day += timedelta(days=1)
	return total.total_seconds() / 60
