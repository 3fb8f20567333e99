"""add_business_minutes looks deadlines up on a calendar's timeline (binary search). These tests hold
it against an independent oracle, a walk minute by minute in UTC, on random calendars: split shifts,
holidays, service-hour zones with daylight-saving changes (late October 2026 in Europe and America),
a data zone other than the service zone, and starts in random order on one shared calendar (so the
timeline grows at the end and at the front)."""

import random
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from crm_suite.service.business_time import (
	NoServiceHoursError,
	ServiceCalendar,
	Steps,
	add_business_minutes,
	add_business_minutes_many,
	business_minutes_between,
)

ZONES = (None, "Europe/Berlin", "America/New_York", "Asia/Kolkata")
# Window bounds avoid 02:00–03:00, where a daylight-saving change makes a local time ambiguous or absent.
BOUNDS = [h * 60 + m for h in (0, 1, *range(4, 24)) for m in (0, 15, 30, 45)] + [24 * 60]


def to_utc(local: datetime, zone: str | None) -> datetime:
	if not zone:
		return local
	return local.replace(tzinfo=ZoneInfo(zone)).astimezone(timezone.utc).replace(tzinfo=None)


def from_utc(utc: datetime, zone: str | None) -> datetime:
	if not zone:
		return utc
	return utc.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def minute_walk(start: datetime, minutes: int, hours: dict, holidays: set, tz, data_tz) -> datetime:
	"""The oracle: count service minutes one UTC minute at a time; the deadline is the end of the
	minute that completes the target."""
	spans = {
		d: [(s.hour * 60 + s.minute, e.hour * 60 + e.minute or 24 * 60) for s, e in w]
		for d, w in hours.items()
	}
	cursor, counted = to_utc(start, data_tz), 0
	while True:
		local = from_utc(cursor, tz)
		minute = local.hour * 60 + local.minute
		if local.date() not in holidays and any(s <= minute < e for s, e in spans.get(local.weekday(), ())):
			counted += 1
			if counted == minutes:
				return from_utc(cursor + timedelta(minutes=1), data_tz)
		cursor += timedelta(minutes=1)


def random_calendar(rng: random.Random):
	hours = {}
	for weekday in rng.sample(range(7), rng.randint(3, 7)):
		cuts = sorted(rng.sample(BOUNDS, 2 * rng.randint(1, 2)))
		windows = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts), 2)]
		hours[weekday] = [
			(time(s // 60, s % 60), time(0) if e == 24 * 60 else time(e // 60, e % 60)) for s, e in windows
		]
	holidays = {date(2026, 10, 20) + timedelta(days=rng.randrange(30)) for _ in range(rng.randint(0, 4))}
	tz = rng.choice(ZONES)
	data_tz = rng.choice((tz, "Asia/Kolkata"))
	return hours, holidays, tz, data_tz


@pytest.mark.parametrize("seed", range(8))
def test_deadlines_equal_a_minute_by_minute_walk(seed):
	rng = random.Random(seed)
	hours, holidays, tz, data_tz = random_calendar(rng)
	cal = ServiceCalendar.build(hours, holidays=holidays, tz=tz, data_tz=data_tz)
	weekly = sum(
		(e.hour * 60 + e.minute or 24 * 60) - (s.hour * 60 + s.minute) for w in hours.values() for s, e in w
	)
	for _ in range(8):  # random order: earlier starts after later ones extend the timeline at the front
		start = datetime(2026, 10, 18) + timedelta(minutes=15 * rng.randrange(4 * 24 * 21))
		if data_tz and data_tz != "Asia/Kolkata" and start.hour == 2:
			start += timedelta(hours=1)  # an absent or ambiguous local start
		targets = [rng.randint(1, weekly), rng.randint(1, weekly * 2)]
		got = add_business_minutes_many(start, targets, cal)
		expected = [minute_walk(start, m, hours, holidays, tz, data_tz) for m in targets]
		assert got == expected, (seed, start, targets, hours, holidays, tz, data_tz)


def test_a_deadline_reached_at_closing_time_is_the_closing_time_not_the_next_opening():
	cal = ServiceCalendar.build({d: [(time(9), time(12)), (time(13), time(17))] for d in range(5)})
	assert add_business_minutes(datetime(2026, 11, 23, 9, 0), 180, cal) == datetime(2026, 11, 23, 12, 0)
	assert add_business_minutes(datetime(2026, 11, 23, 12, 30), 240, cal) == datetime(2026, 11, 23, 17, 0)


def test_one_timeline_serves_many_tickets():
	cal = ServiceCalendar.build({d: [(time(9), time(17))] for d in range(5)})
	first = Steps()
	add_business_minutes_many(datetime(2026, 11, 23, 10, 0), [240, 2400], cal, first)
	assert first.days <= 10 and first.lookups == 3
	again = Steps()
	for hour in range(9, 17):  # the same week: nothing more to build, three binary searches each
		add_business_minutes_many(datetime(2026, 11, 23, hour, 0), [240, 2400], cal, again)
	assert again.days == 0 and again.windows == 0 and again.lookups == 8 * 3


def test_no_service_within_the_limit_is_refused():
	cal = ServiceCalendar.build(
		{0: [(time(9), time(10))]}, holidays=[date(2026, 11, 23) + timedelta(weeks=w) for w in range(600)]
	)
	with pytest.raises(NoServiceHoursError):
		add_business_minutes(datetime(2026, 11, 23, 8, 0), 60, cal)


def test_service_hours_bounded_inside_a_daylight_saving_gap():
	"""New York skips 02:00–03:00 on 8 March 2026. 01:00–02:30 and 03:00–04:00 serve 01:00–02:00 and
	03:00–04:00 (EST then EDT): 120 real minutes, not 150; a window 02:30–03:00 lies wholly in the gap."""
	split = ServiceCalendar.build({6: [(time(1), time(2, 30)), (time(3), time(4))]}, tz="America/New_York")
	assert business_minutes_between(datetime(2026, 3, 8), datetime(2026, 3, 8, 5), split) == 120
	assert add_business_minutes(datetime(2026, 3, 8, 0, 0), 90, split) == datetime(2026, 3, 8, 3, 30)
	assert add_business_minutes(datetime(2026, 3, 8, 0, 0), 120, split) == datetime(2026, 3, 8, 4, 0)
	in_gap = ServiceCalendar.build(
		{6: [(time(2, 30), time(3))], 0: [(time(2), time(3))]}, tz="America/New_York"
	)
	assert business_minutes_between(datetime(2026, 3, 8), datetime(2026, 3, 9), in_gap) == 0
	assert add_business_minutes(datetime(2026, 3, 7, 23, 0), 10, in_gap) == datetime(2026, 3, 9, 2, 10)
