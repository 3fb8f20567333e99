"""Pure rules of the stage history (no database): a record's stage, the stays rebuilt from its recorded
changes, and how a stay ended (advanced, dropped, went back, still there)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

LEAD_ORDER = ("New", "Contacted", "Qualified", "Converted")
LEAD_DROPPED = ("Unqualified",)
OPPORTUNITY_WON, OPPORTUNITY_LOST = "Won", "Lost"
TERMINAL = {"Lead": {"Converted", "Unqualified"}, "Opportunity": {OPPORTUNITY_WON, OPPORTUNITY_LOST}}

ADVANCED, DROPPED, BACK, STILL = "advanced", "dropped", "back", "still"


def stage_of(doctype: str, status: str | None, sales_stage: str | None = None) -> str | None:
	"""A Lead's status; an Open Opportunity's sales stage, a closed one's status (Won, Lost)."""
	if doctype == "Lead":
		return status or None
	if status and status != "Open":
		return status
	return sales_stage or None


@dataclass(frozen=True)
class Change:
	when: datetime
	field: str
	old: str | None
	new: str | None
	user: str | None = None


@dataclass(frozen=True)
class Stay:
	stage: str
	entered_on: datetime
	left_on: datetime | None
	next_stage: str | None
	days: float | None
	changed_by: str | None


def stays_from_changes(
	doctype: str, created: datetime, current: dict[str, str | None], changes: list[Change]
) -> list[Stay]:
	"""The stays of one record from its creation, given its recorded changes of the stage fields (in time
	order) and the values it has now. The values at creation are the first change's old values (or the
	current ones when a field never changed); each change moves the record to the stage the fields then
	give. The last stay is open."""
	fields = dict(current)
	for change in reversed(changes):  # unwind to the values at creation
		fields[change.field] = change.old
	stays: list[Stay] = []
	stage = stage_of(doctype, fields.get("status"), fields.get("sales_stage"))
	entered, by = created, None
	for change in changes:
		fields[change.field] = change.new
		new = stage_of(doctype, fields.get("status"), fields.get("sales_stage"))
		if new == stage or not new:
			continue
		if stage:
			stays.append(Stay(stage, entered, change.when, new, days_between(entered, change.when), by))
		stage, entered, by = new, change.when, change.user
	if stage:
		stays.append(Stay(stage, entered, None, None, None, by))
	return stays


def days_between(start: datetime, end: datetime) -> float:
	return max((end - start).total_seconds(), 0) / 86400


def rank(doctype: str, stage: str | None, opportunity_stages: list[str]) -> int | None:
	"""Position in the forward order (won/converted last); None for a dropped stage or an unknown one."""
	order = list(LEAD_ORDER) if doctype == "Lead" else [*opportunity_stages, OPPORTUNITY_WON]
	return order.index(stage) if stage in order else None


def stay_result(doctype: str, stage: str, next_stage: str | None, opportunity_stages: list[str]) -> str:
	"""How a stay ended: still there, dropped (Unqualified, Lost), advanced (a later stage, Converted,
	Won) or back (an earlier or unknown stage)."""
	if next_stage is None:
		return STILL
	if next_stage in (LEAD_DROPPED if doctype == "Lead" else (OPPORTUNITY_LOST,)):
		return DROPPED
	here, there = rank(doctype, stage, opportunity_stages), rank(doctype, next_stage, opportunity_stages)
	if there is not None and (here is None or there > here):
		return ADVANCED
	return BACK
