"""The rules of planned activities as plain typed functions (no database): when an activity is overdue,
when it ends, when a plan step is due, whom a plan assigns, when a reminder or a digest is due, and how
close a ticket's SLA is. The doctypes, jobs and the My Day page call these; tests/unit/activities checks
them against independent oracles."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta

DEFAULT_LENGTH = timedelta(minutes=30)  # an activity without an end takes half an hour on the calendar
REMINDER_GRACE = timedelta(hours=1)  # a reminder missed (scheduler down) is still sent this long after due
OPEN, DONE, CANCELLED = "Open", "Done", "Cancelled"


def day_start(d: date | datetime) -> datetime:
	return datetime.combine(d if not isinstance(d, datetime) else d.date(), time.min)


def is_overdue(due_on: datetime, all_day: bool, now: datetime) -> bool:
	"""A timed activity is overdue once its time has passed; an all-day one from the next day on."""
	if all_day:
		return due_on.date() < now.date()
	return due_on < now


def is_due_today(due_on: datetime, all_day: bool, now: datetime) -> bool:
	"""Due today and not yet overdue."""
	return due_on.date() == now.date() and not is_overdue(due_on, all_day, now)


def normalise_times(
	due_on: datetime, all_day: bool, ends_on: datetime | None
) -> tuple[datetime, datetime | None]:
	"""(due_on, ends_on) as stored: an all-day activity starts at midnight and ends at the day's last
	second; a timed one without an end (or with one before its start) lasts DEFAULT_LENGTH. Every
	activity has an end, so calendar range queries need no open-ended rows."""
	if all_day:
		start = day_start(due_on)
		return start, start + timedelta(days=1, seconds=-1)
	if ends_on is None or ends_on < due_on:
		return due_on, due_on + DEFAULT_LENGTH
	return due_on, ends_on


def step_due(applied_on: datetime, due_after_days: int, due_time: time | None) -> tuple[datetime, bool]:
	"""(due_on, all_day) of a plan step applied at `applied_on`: `due_after_days` calendar days later, at
	`due_time`, or all day when the step has no time. A step due today at a time already past is due now
	(not overdue the moment it is planned)."""
	day = applied_on.date() + timedelta(days=max(int(due_after_days or 0), 0))
	if due_time is None:
		return day_start(day), True
	due = datetime.combine(day, due_time)
	return (max(due, applied_on.replace(microsecond=0)), False)


def pick_assignee(candidates: Iterable[str | None], may_act: Callable[[str], bool], fallback: str) -> str:
	"""The first candidate who may act on the record (an enabled user who may read it), else `fallback`."""
	seen = set()
	for user in candidates:
		if user and user not in seen:
			seen.add(user)
			if may_act(user):
				return user
	return fallback


def reminder_window(now: datetime, minutes: int) -> tuple[datetime, datetime] | None:
	"""Due times whose reminder is due at `now`: from REMINDER_GRACE ago up to `minutes` ahead (None when
	reminders are off)."""
	if minutes <= 0:
		return None
	return now - REMINDER_GRACE, now + timedelta(minutes=minutes)


def digest_due(local_now: datetime, digest_hour: int) -> bool:
	"""Whether the morning digest may go out at the user's local time (from `digest_hour` on, that day)."""
	return local_now.hour >= min(max(int(digest_hour), 0), 23)


BREACHED, AT_RISK = "Breached", "At Risk"


def sla_state(
	agreement_status: str | None,
	first_responded_on: datetime | None,
	response_by: datetime | None,
	resolution_by: datetime | None,
	now: datetime,
	at_risk_minutes: int,
) -> tuple[str, datetime | None] | None:
	"""("Breached" | "At Risk", the deadline) for a running ticket, None when its SLA is neither.

	Failed is breached. Otherwise the next deadline is the response deadline while there is no first
	response, else the resolution deadline; a deadline already past is breached (the 5-minute SLA job
	has not marked it yet), one within `at_risk_minutes` is at risk."""
	if agreement_status == "Failed":
		missed = response_by if not first_responded_on and response_by else resolution_by
		return BREACHED, missed
	if agreement_status not in ("First Response Due", "Resolution Due"):
		return None
	deadline = response_by if not first_responded_on and response_by else resolution_by
	if deadline is None:
		return None
	if deadline <= now:
		return BREACHED, deadline
	if deadline <= now + timedelta(minutes=max(at_risk_minutes, 0)):
		return AT_RISK, deadline
	return None


def at_risk_segments(text: str | None) -> list[str]:
	"""The RFM segments of the settings' one-a-line text, blank lines and repeats left out."""
	seen: list[str] = []
	for line in (text or "").splitlines():
		line = line.strip()
		if line and line not in seen:
			seen.append(line)
	return seen
