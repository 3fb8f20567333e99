"""Business-time arithmetic for service level agreements. Pure functions: no database, no Frappe.

A `ServiceCalendar` holds the weekly service hours (per weekday, Monday = 0, a list of
(start, end) wall-clock windows), a set of holidays and two time zones:

- `tz`: the zone the service hours are read in (the support desk's zone);
- `data_tz`: the zone of the naive datetimes passed in and returned (Frappe stores datetimes
  naive in the site's system time zone). Defaults to `tz`.

Neither function walks minute by minute. `business_minutes_between` walks day by day and window by
window (one step per calendar day plus one per service window touched). `add_business_minutes`
looks its answer up on the calendar's timeline: the service windows in UTC, in order, each with the
business time before it, built day by day once per calendar and only as far as the deadlines asked
for reach. A deadline is then two binary searches (where the start falls, where start + target
falls), so 100k tickets on one agreement share one walk over the calendar. Pass a `Steps` to count
the days and windows added to the timeline and the lookups made.

Windows are converted to UTC before any subtraction, so a daylight-saving change inside a
window counts the real elapsed time. An end time of 00:00 means midnight at the end of the day.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
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
	"""Counts the work of the calculations: days and windows visited (or added to a timeline) and
	binary searches on a timeline."""

	days: int = 0
	windows: int = 0
	lookups: int = 0  # binary searches on a calendar's timeline

	@property
	def total(self) -> int:
		return self.days + self.windows + self.lookups


@dataclass(frozen=True)
class ServiceCalendar:
	hours: Mapping[int, tuple[Window, ...]]
	holidays: frozenset[date] = field(default_factory=frozenset)
	tz: str | None = None
	data_tz: str | None = None
	# day -> that day's windows in UTC; filled lazily (many tickets share the same days)
	_windows: dict = field(default_factory=dict, compare=False, repr=False)
	# the windows of consecutive days as a searchable timeline (see _Timeline); built on demand
	_timeline: list = field(default_factory=list, compare=False, repr=False)

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
		utc_start, utc_end = _to_utc(local_start, cal.tz), _to_utc(local_end, cal.tz)
		# A bound inside a daylight-saving gap (a local time that does not exist) can make a window overlap
		# the one before it, or end before it starts: the windows are kept in order and never overlap.
		if out:
			utc_start = max(utc_start, out[-1][1])
		out.append((utc_start, max(utc_start, utc_end)))
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
	"""Several targets from one start (e.g. response and resolution deadlines), each the moment the
	business time since `start` reaches it: the end of a window when it is reached exactly there."""
	if any(m < 0 for m in targets):
		raise ValueError("minutes must not be negative")
	if all(m == 0 for m in targets):
		return [start for _m in targets]
	_check(cal)
	data_tz = cal.data_tz or cal.tz
	cursor = _micros(_to_utc(start, data_tz))
	timeline = _timeline(cal)
	# the start's local day in the service zone (a zone conversion saved when both zones are one)
	start_day = (
		start.date() if start.tzinfo is None and data_tz == cal.tz else _local_date_micros(cursor, cal)
	)
	position = timeline.position(cursor, start_day, steps)
	results = []
	for minutes in targets:
		if minutes == 0:
			results.append(start)
			continue
		moment = timeline.moment(position + timedelta(minutes=minutes) // _MICROSECOND, start_day, steps)
		results.append(_from_utc(_EPOCH + timedelta(microseconds=moment), data_tz))
	return results


_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


def _micros(utc: datetime) -> int:
	"""Naive UTC datetime -> integer microseconds since 1970 (exact, unlike float seconds)."""
	return (utc - _EPOCH) // _MICROSECOND


def _local_date_micros(moment: int, cal: ServiceCalendar) -> date:
	return _local_date(_EPOCH + timedelta(microseconds=moment), cal)


def _timeline(cal: ServiceCalendar) -> _Timeline:
	if not cal._timeline:
		cal._timeline.append(_Timeline(cal))
	return cal._timeline[0]


class _Timeline:
	"""A calendar's service windows from `first_day` to `last_day` (local days), in UTC microseconds,
	with the business microseconds before each window (`before`) and up to its end (`through`).

	`position(t)` is the business time from first_day up to moment t, `moment(p)` the earliest moment
	whose position is p: the two halves of adding business time. Days are added at the end as far as a
	lookup needs and, for an earlier start, at the front (31 days at a time, so a run of ever earlier
	starts does not rebuild for each one)."""

	def __init__(self, cal: ServiceCalendar):
		self.cal = cal
		self.first_day: date | None = None
		self.last_day: date | None = None
		self.starts: list[int] = []
		self.ends: list[int] = []
		self.before: list[int] = []
		self.through: list[int] = []

	def _day_windows(self, day: date, steps: Steps | None) -> list[tuple[int, int]]:
		if steps is not None:
			steps.days += 1
		windows = [(_micros(s), _micros(e)) for s, e in _windows_utc(day, self.cal)]
		if steps is not None:
			steps.windows += len(windows)
		return windows

	def _append_day(self, steps: Steps | None) -> None:
		self.last_day += timedelta(days=1)
		total = self.through[-1] if self.through else 0
		for start, end in self._day_windows(self.last_day, steps):
			self.starts.append(start)
			self.ends.append(end)
			self.before.append(total)
			total += end - start
			self.through.append(total)

	def _prepend_days(self, day: date, steps: Steps | None) -> None:
		starts, ends = [], []
		current = day
		while current < self.first_day:
			for start, end in self._day_windows(current, steps):
				starts.append(start)
				ends.append(end)
			current += timedelta(days=1)
		before, through, total = [], [], 0
		for start, end in zip(starts, ends, strict=True):
			before.append(total)
			total += end - start
			through.append(total)
		self.starts[:0], self.ends[:0] = starts, ends
		self.before = before + [b + total for b in self.before]
		self.through = through + [t + total for t in self.through]
		self.first_day = day

	def position(self, moment: int, local_day: date, steps: Steps | None = None) -> int:
		"""Business microseconds from first_day to `moment`, extending the timeline to cover it."""
		day = local_day - timedelta(days=1)  # a window may start the local day before
		if self.first_day is None:
			self.first_day = self.last_day = day
			self.last_day -= timedelta(days=1)
		elif day < self.first_day:
			self._prepend_days(min(day, self.first_day - timedelta(days=31)), steps)
		while self.last_day <= local_day:
			self._append_day(steps)
		index = bisect_right(self.ends, moment)  # the first window ending after the moment
		if steps is not None:
			steps.lookups += 1
		if index == len(self.ends):
			return self.through[-1] if self.through else 0
		return self.before[index] + max(0, moment - self.starts[index])

	def moment(self, position: int, start_day: date, steps: Steps | None = None) -> int:
		"""The earliest moment at `position` (> 0) business microseconds from first_day, extending the
		timeline as far as needed, but not beyond MAX_DAYS after `start_day` (NoServiceHoursError)."""
		while not self.through or self.through[-1] < position:
			if (self.last_day - start_day).days >= MAX_DAYS:
				raise NoServiceHoursError(f"No service hours within {MAX_DAYS} days")
			self._append_day(steps)
		index = bisect_left(self.through, position)  # the window in which the position is reached
		if steps is not None:
			steps.lookups += 1
		return self.starts[index] + (position - self.before[index])


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
