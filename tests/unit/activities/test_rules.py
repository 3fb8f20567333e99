"""The activity rules against oracles written independently (enumerations and hand-checked cases)."""

from datetime import date, datetime, time, timedelta

import pytest

from crm_suite.activities import rules

NOW = datetime(2026, 12, 5, 14, 30)


@pytest.mark.parametrize(
	"due, all_day, overdue, today",
	[
		(datetime(2026, 12, 5, 14, 29), False, True, False),  # a minute ago
		(datetime(2026, 12, 5, 14, 31), False, False, True),  # in a minute
		(datetime(2026, 12, 5, 0, 0), True, False, True),  # all day today: not overdue until tomorrow
		(datetime(2026, 12, 4, 0, 0), True, True, False),  # all day yesterday
		(datetime(2026, 12, 4, 23, 59), False, True, False),
		(datetime(2026, 12, 6, 9, 0), False, False, False),  # tomorrow
		(datetime(2026, 12, 6, 0, 0), True, False, False),
	],
)
def test_overdue_and_today(due, all_day, overdue, today):
	assert rules.is_overdue(due, all_day, NOW) is overdue
	assert rules.is_due_today(due, all_day, NOW) is today


def test_overdue_and_today_never_overlap_over_a_week_of_minutes():
	"""Oracle: a timed activity is exactly one of overdue / today / later; an all-day one likewise."""
	start = datetime(2026, 12, 2)
	for minutes in range(0, 7 * 24 * 60, 37):
		due = start + timedelta(minutes=minutes)
		for all_day in (False, True):
			states = [
				rules.is_overdue(due, all_day, NOW),
				rules.is_due_today(due, all_day, NOW),
				due.date() > NOW.date(),
			]
			assert sum(states) == 1, (due, all_day, states)


def test_normalised_times():
	due = datetime(2026, 12, 5, 10, 15)
	assert rules.normalise_times(due, False, None) == (due, due + timedelta(minutes=30))
	assert rules.normalise_times(due, False, due - timedelta(hours=1)) == (due, due + timedelta(minutes=30))
	end = due + timedelta(hours=2)
	assert rules.normalise_times(due, False, end) == (due, end)
	assert rules.normalise_times(due, True, end) == (datetime(2026, 12, 5), datetime(2026, 12, 5, 23, 59, 59))


@pytest.mark.parametrize(
	"days, at, expected",
	[
		(0, None, (datetime(2026, 12, 5), True)),
		(2, None, (datetime(2026, 12, 7), True)),
		(7, time(9, 0), (datetime(2026, 12, 12, 9, 0), False)),
		(0, time(16, 0), (datetime(2026, 12, 5, 16, 0), False)),
		(0, time(9, 0), (datetime(2026, 12, 5, 14, 30), False)),  # today at a time already past: now
		(-3, None, (datetime(2026, 12, 5), True)),  # never before the plan is applied
		(31, None, (datetime(2027, 1, 5), True)),  # across a year end
	],
)
def test_step_due(days, at, expected):
	assert rules.step_due(NOW, days, at) == expected


def test_pick_assignee_takes_the_first_who_may_act():
	allowed = {"b@x", "c@x"}
	assert rules.pick_assignee(["a@x", None, "b@x", "c@x"], allowed.__contains__, "me@x") == "b@x"
	assert rules.pick_assignee([None, "", "a@x"], allowed.__contains__, "me@x") == "me@x"
	calls = []
	rules.pick_assignee(["a@x", "a@x", "b@x"], lambda u: calls.append(u) or u == "b@x", "me@x")
	assert calls == ["a@x", "b@x"]  # each candidate asked once


def test_reminder_window():
	assert rules.reminder_window(NOW, 0) is None
	assert rules.reminder_window(NOW, 15) == (NOW - timedelta(hours=1), NOW + timedelta(minutes=15))


@pytest.mark.parametrize(
	"hour, gate, due", [(6, 7, False), (7, 7, True), (23, 7, True), (0, 0, True), (3, 30, False)]
)
def test_digest_due(hour, gate, due):
	assert rules.digest_due(datetime(2026, 12, 5, hour, 5), gate) is due


AT = datetime(2026, 12, 5, 12, 0)
H = timedelta(hours=1)


@pytest.mark.parametrize(
	"status, responded, response_by, resolution_by, expected",
	[
		("Failed", None, AT - H, AT + 5 * H, ("Breached", AT - H)),  # missed the response
		("Failed", AT - 2 * H, AT - 3 * H, AT - H, ("Breached", AT - H)),  # responded, missed resolution
		("First Response Due", None, AT + H, AT + 9 * H, ("At Risk", AT + H)),  # within 120 minutes
		("First Response Due", None, AT + 3 * H, AT + 9 * H, None),
		("First Response Due", None, AT - H, AT + 9 * H, ("Breached", AT - H)),  # the job has not run yet
		(
			"Resolution Due",
			AT - H,
			AT - 2 * H,
			AT + H,
			("At Risk", AT + H),
		),  # response deadline no longer counts
		("Resolution Due", AT - H, AT - 2 * H, AT + 5 * H, None),
		("Paused", None, AT - H, AT - H, None),
		("Fulfilled", AT - H, AT - H, AT - H, None),
		("", None, None, None, None),
	],
)
def test_sla_state(status, responded, response_by, resolution_by, expected):
	assert rules.sla_state(status, responded, response_by, resolution_by, AT, 120) == expected


def test_at_risk_segments():
	assert rules.at_risk_segments(" At Risk\n\nHibernating \nAt Risk\n") == ["At Risk", "Hibernating"]
	assert rules.at_risk_segments(None) == []


def test_day_start():
	assert rules.day_start(date(2026, 1, 2)) == datetime(2026, 1, 2)
	assert rules.day_start(datetime(2026, 1, 2, 13, 14)) == datetime(2026, 1, 2)
