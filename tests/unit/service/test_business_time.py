"""SLA arithmetic against hand-computed cases. Calendar: Monday–Friday 09:00–17:00 (480 minutes a day).
2026-11-23 is a Monday; 2026-12-25 (a Friday) is a holiday."""

from datetime import date, datetime, time

import pytest

from crm_suite.service.business_time import (
	NoServiceHoursError,
	ServiceCalendar,
	Steps,
	add_business_minutes,
	business_minutes_between,
)
from crm_suite.service.sla_rules import Targets, agreement_status, compute_deadlines

NINE_TO_FIVE = {d: [(time(9), time(17))] for d in range(5)}
CAL = ServiceCalendar.build(NINE_TO_FIVE, holidays=[date(2026, 12, 25)])


def dt(*args) -> datetime:
	return datetime(*args)


@pytest.mark.parametrize(
	("start", "minutes", "expected"),
	[
		(dt(2026, 11, 23, 10, 0), 60, dt(2026, 11, 23, 11, 0)),  # inside one window
		(dt(2026, 11, 23, 9, 0), 480, dt(2026, 11, 23, 17, 0)),  # exactly a day ends at closing
		(dt(2026, 11, 23, 16, 0), 120, dt(2026, 11, 24, 10, 0)),  # overnight
		(dt(2026, 11, 23, 22, 30), 30, dt(2026, 11, 24, 9, 30)),  # raised at night
		(dt(2026, 11, 23, 7, 0), 60, dt(2026, 11, 23, 10, 0)),  # raised before opening
		(dt(2026, 11, 27, 16, 30), 60, dt(2026, 11, 30, 9, 30)),  # Friday evening over the weekend
		(dt(2026, 11, 28, 12, 0), 15, dt(2026, 11, 30, 9, 15)),  # raised on Saturday
		(dt(2026, 12, 24, 16, 0), 120, dt(2026, 12, 28, 10, 0)),  # holiday Friday then weekend
		(dt(2026, 11, 23, 9, 0), 2400, dt(2026, 11, 27, 17, 0)),  # a whole working week
		(dt(2026, 11, 23, 10, 0), 0, dt(2026, 11, 23, 10, 0)),
	],
)
def test_add_business_minutes(start, minutes, expected):
	assert add_business_minutes(start, minutes, CAL) == expected


@pytest.mark.parametrize(
	("start", "end", "expected"),
	[
		(dt(2026, 11, 23, 10, 0), dt(2026, 11, 23, 11, 30), 90),
		(dt(2026, 11, 23, 16, 0), dt(2026, 11, 24, 10, 0), 120),  # overnight
		(dt(2026, 11, 27, 16, 0), dt(2026, 11, 30, 10, 0), 120),  # weekend
		(dt(2026, 12, 24, 16, 0), dt(2026, 12, 28, 10, 0), 120),  # holiday + weekend
		(dt(2026, 11, 28, 10, 0), dt(2026, 11, 29, 18, 0), 0),  # all weekend
		(dt(2026, 11, 23, 12, 0), dt(2026, 11, 23, 11, 0), 0),  # end before start
		(dt(2026, 11, 23, 9, 0), dt(2026, 11, 30, 9, 0), 2400),  # one week
	],
)
def test_business_minutes_between(start, end, expected):
	assert business_minutes_between(start, end, CAL) == expected


def test_adding_then_measuring_round_trips():
	start = dt(2026, 11, 26, 15, 17)
	for minutes in (1, 59, 480, 1000, 5000):
		end = add_business_minutes(start, minutes, CAL)
		assert business_minutes_between(start, end, CAL) == pytest.approx(minutes)


def test_a_pause_across_the_weekend_moves_the_deadline_by_the_paused_business_time():
	opened = dt(2026, 11, 27, 10, 0)  # Friday
	targets = Targets(response_minutes=60, resolution_minutes=960)
	plain = compute_deadlines(opened, targets, 0, CAL)
	# Fri 10–17 = 420, Mon 480 (900), Tue 60 more: Tuesday 10:00
	assert plain.resolution_by == dt(2026, 12, 1, 10, 0)
	# waiting on the customer from Friday 15:00 to Monday 11:00: 120 + 120 business minutes
	paused = business_minutes_between(dt(2026, 11, 27, 15, 0), dt(2026, 11, 30, 11, 0), CAL)
	assert paused == 240
	moved = compute_deadlines(opened, targets, paused, CAL)
	assert moved.resolution_by == dt(2026, 12, 1, 14, 0)


def test_a_priority_change_mid_ticket_recomputes_from_the_opening():
	opened = dt(2026, 11, 23, 15, 0)  # Monday
	medium = compute_deadlines(opened, Targets(240, 960), 0, CAL)
	# 240: Mon 15–17 (120) + Tue 9–11; 960: Mon 120 + Tue 480 + Wed 360 -> Wednesday 15:00
	assert (medium.response_by, medium.resolution_by) == (dt(2026, 11, 24, 11, 0), dt(2026, 11, 25, 15, 0))
	urgent = compute_deadlines(opened, Targets(30, 240), 0, CAL)
	assert (urgent.response_by, urgent.resolution_by) == (dt(2026, 11, 23, 15, 30), dt(2026, 11, 24, 11, 0))


def test_service_hours_in_another_time_zone_than_the_stored_datetimes():
	# The desk works 09–17 Berlin time; the site stores New York time.
	cal = ServiceCalendar.build(NINE_TO_FIVE, tz="Europe/Berlin", data_tz="America/New_York")
	# Monday 02:00 EST = 08:00 CET; Berlin opens at 09:00 CET = 03:00 EST, +60 min = 04:00 EST
	assert add_business_minutes(dt(2026, 11, 23, 2, 0), 60, cal) == dt(2026, 11, 23, 4, 0)
	# Monday 11:30 EST = 17:30 CET, Berlin closed: Tuesday 09:00 CET + 30 = 03:30 EST
	assert add_business_minutes(dt(2026, 11, 23, 11, 30), 30, cal) == dt(2026, 11, 24, 3, 30)
	# 26 Oct 2026: Berlin is already on winter time (UTC+1), New York still on summer time (UTC-4)
	assert add_business_minutes(dt(2026, 10, 26, 4, 30), 30, cal) == dt(2026, 10, 26, 5, 0)
	assert business_minutes_between(dt(2026, 11, 23, 3, 0), dt(2026, 11, 23, 11, 0), cal) == 480


def test_a_daylight_saving_change_inside_a_window_counts_real_time():
	around_the_clock = ServiceCalendar.build({d: [(time(0), time(0))] for d in range(7)}, tz="Europe/Berlin")
	# Sunday 25 Oct 2026 has 25 hours in Berlin
	assert business_minutes_between(dt(2026, 10, 25, 0, 0), dt(2026, 10, 26, 0, 0), around_the_clock) == 1500


def test_split_shifts():
	cal = ServiceCalendar.build({0: [(time(13), time(17)), (time(8), time(12))]})
	assert add_business_minutes(dt(2026, 11, 23, 11, 0), 120, cal) == dt(2026, 11, 23, 14, 0)
	assert business_minutes_between(dt(2026, 11, 23, 0, 0), dt(2026, 11, 24, 0, 0), cal) == 480


def test_the_calculation_walks_days_and_windows_not_minutes():
	steps = Steps()
	assert add_business_minutes(dt(2026, 11, 23, 9, 0), 480 * 20, CAL, steps) == dt(2026, 12, 18, 17, 0)
	assert steps.total < 60  # 27 days and 20 windows for 9600 minutes
	steps = Steps()
	business_minutes_between(dt(2026, 1, 1), dt(2026, 12, 31), CAL, steps)
	assert steps.days <= 366 and steps.windows <= 262


@pytest.mark.parametrize(
	"windows", [[(time(17), time(9))], [(time(9), time(9))], [(time(9), time(13)), (time(12), time(17))]]
)
def test_bad_service_hours_are_refused(windows):
	with pytest.raises(ValueError):
		ServiceCalendar.build({0: windows})


def test_a_calendar_without_hours_is_an_error_not_an_endless_loop():
	with pytest.raises(NoServiceHoursError):
		add_business_minutes(dt(2026, 11, 23), 10, ServiceCalendar.build({}))
	with pytest.raises(ValueError):
		add_business_minutes(dt(2026, 11, 23), -1, CAL)


NOW = dt(2026, 11, 24, 12, 0)
RESPONSE_BY, RESOLUTION_BY = dt(2026, 11, 24, 10, 0), dt(2026, 11, 25, 10, 0)


@pytest.mark.parametrize(
	("kw", "expected"),
	[
		({"status": "Open", "now": dt(2026, 11, 24, 9, 0)}, "First Response Due"),
		({"status": "Open"}, "Failed"),  # no response by 10:00
		({"status": "In Progress", "first_responded_on": dt(2026, 11, 24, 9, 0)}, "Resolution Due"),
		({"status": "In Progress", "first_responded_on": dt(2026, 11, 24, 11, 0)}, "Failed"),
		({"status": "Waiting on Customer", "first_responded_on": dt(2026, 11, 24, 9, 0)}, "Paused"),
		(
			{
				"status": "Resolved",
				"first_responded_on": dt(2026, 11, 24, 9),
				"resolution_date": dt(2026, 11, 24, 11),
			},
			"Fulfilled",
		),
		(
			{
				"status": "Closed",
				"first_responded_on": dt(2026, 11, 24, 9),
				"resolution_date": dt(2026, 11, 25, 11),
			},
			"Failed",
		),
		(
			{"status": "In Progress", "first_responded_on": dt(2026, 11, 24, 9), "previous": "Failed"},
			"Failed",
		),
		(
			{"status": "In Progress", "now": dt(2026, 11, 26), "first_responded_on": dt(2026, 11, 24, 9)},
			"Failed",
		),
	],
)
def test_agreement_status(kw, expected):
	args = {"now": NOW, "response_by": RESPONSE_BY, "resolution_by": RESOLUTION_BY, **kw}
	assert agreement_status(**args) == expected


def test_several_targets_in_one_walk_match_separate_walks():
	from crm_suite.service.business_time import add_business_minutes_many

	start = dt(2026, 12, 23, 14, 20)
	targets = [0, 30, 480, 100, 2400]
	assert add_business_minutes_many(start, targets, CAL) == [
		add_business_minutes(start, m, CAL) for m in targets
	]
