"""Service-level rules as pure functions: deadlines and agreement status. No database access."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crm_suite.service.business_time import ServiceCalendar, Steps, add_business_minutes_many

ACTIVE_STATUSES = ("Open", "In Progress")
PAUSED_STATUSES = ("Waiting on Customer", "Resolved")
DONE_STATUSES = ("Resolved", "Closed")

FIRST_RESPONSE_DUE = "First Response Due"
RESOLUTION_DUE = "Resolution Due"
PAUSED = "Paused"
FULFILLED = "Fulfilled"
FAILED = "Failed"


@dataclass(frozen=True)
class Targets:
	"""Business minutes allowed for the first response and for the resolution."""

	response_minutes: float
	resolution_minutes: float


@dataclass(frozen=True)
class Deadlines:
	response_by: datetime
	resolution_by: datetime


def compute_deadlines(
	opening: datetime,
	targets: Targets,
	paused_minutes: float,
	cal: ServiceCalendar,
	steps: Steps | None = None,
) -> Deadlines:
	"""Deadlines counted in business time from the opening, moved on by the business minutes the
	ticket spent paused. A priority change simply recomputes these with the new targets."""
	paused = max(paused_minutes or 0.0, 0.0)
	response_by, resolution_by = add_business_minutes_many(
		opening, [targets.response_minutes + paused, targets.resolution_minutes + paused], cal, steps
	)
	return Deadlines(response_by=response_by, resolution_by=resolution_by)


def agreement_status(
	*,
	status: str,
	now: datetime,
	response_by: datetime | None,
	resolution_by: datetime | None,
	first_responded_on: datetime | None = None,
	resolution_date: datetime | None = None,
	previous: str | None = None,
) -> str:
	"""The agreement status of a ticket. Failed is final until the ticket is reopened by a user
	(callers pass previous=None then)."""
	if previous == FAILED:
		return FAILED
	if response_by is None or resolution_by is None:
		return ""
	if first_responded_on and first_responded_on > response_by:
		return FAILED
	if status in DONE_STATUSES and resolution_date:
		responded = first_responded_on or resolution_date
		if resolution_date > resolution_by or responded > response_by:
			return FAILED
		return FULFILLED
	if status in PAUSED_STATUSES:
		return PAUSED
	if not first_responded_on:
		return FAILED if now > response_by or now > resolution_by else FIRST_RESPONSE_DUE
	return FAILED if now > resolution_by else RESOLUTION_DUE
