"""Demo rows for the daily-work features (called by crm_suite/setup/demo/__init__.py): each demo lead's and
opportunity's stage history (a plausible path from creation to its status or stage), and open planned
activities on recent open leads, so My Day, the calendar and Stage Velocity have something to show.

Everything comes from its own seeded `random.Random` (the seed + 16): the rest of the demo data is the
same with or without it. Pure: rows in, rows out; the caller bulk-inserts them."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from crm_suite.sales.stage_rules import LEAD_ORDER, days_between

TYPES = ("Call", "Email", "Meeting", "Task")
SUBJECTS = {
	"Call": "Call {0}",
	"Email": "Send {0} the offer",
	"Meeting": "Demo for {0}",
	"Task": "Prepare the proposal for {0}",
}


def _path_times(rng: random.Random, start: datetime, end: datetime, steps: int) -> list[datetime]:
	"""`steps` increasing times between start and end."""
	span = max((end - start).total_seconds(), steps * 60.0)
	cuts = sorted(rng.random() for _ in range(steps))
	return [start + timedelta(seconds=span * c) for c in cuts]


def _stays(name: str, doctype: str, path: list[str], times: list[datetime], owner: str) -> list[dict]:
	rows = []
	for i, stage in enumerate(path):
		entered = times[i]
		left = times[i + 1] if i + 1 < len(path) else None
		rows.append(
			{
				"name": f"SH-{doctype[:3].upper()}-{name}-{i}",
				"creation": entered,
				"modified": entered,
				"owner": "Administrator",
				"modified_by": "Administrator",
				"docstatus": 0,
				"reference_doctype": doctype,
				"reference_name": name,
				"stage": stage,
				"entered_on": entered,
				"left_on": left,
				"next_stage": path[i + 1] if left else None,
				"days": days_between(entered, left) if left else 0,
				"changed_by": owner,
			}
		)
	return rows


def lead_path(rng: random.Random, status: str) -> list[str]:
	if status in LEAD_ORDER:
		path = list(LEAD_ORDER[: LEAD_ORDER.index(status) + 1])
		if status == "Converted" and rng.random() < 0.3:  # some were converted straight from Contacted
			path.remove("Qualified")
		return path
	# Unqualified: dropped after New, Contacted or Qualified
	return [*LEAD_ORDER[: rng.choice((1, 2, 2, 3))], status]


def opportunity_path(stage: str, status: str, stages: list[str]) -> list[str]:
	reached = stages[: stages.index(stage) + 1] if stage in stages else [stage]
	return reached + ([status] if status in ("Won", "Lost") else [])


def stage_history(
	seed: int, end: date, leads: list[dict], opportunities: list[dict], stages: list[str]
) -> list[dict]:
	rng = random.Random(seed + 16)
	now = datetime.combine(end, time(18, 0))
	rows: list[dict] = []
	for lead in leads:
		path = lead_path(rng, lead["status"])
		last = lead.get("converted_on") or now
		times = [
			lead["creation"],
			*_path_times(rng, lead["creation"], max(last, lead["creation"]), len(path) - 1),
		]
		rows += _stays(lead["name"], "Lead", path, times, lead["lead_owner"])
	for opp in opportunities:
		path = opportunity_path(opp["sales_stage"], opp["status"], stages)
		last = datetime.combine(opp["closed_on"], time(12, 0)) if opp.get("closed_on") else now
		times = [
			opp["creation"],
			*_path_times(rng, opp["creation"], max(last, opp["creation"]), len(path) - 1),
		]
		rows += _stays(opp["name"], "Opportunity", path, times, opp["opportunity_owner"])
	return rows


def activities(seed: int, end: date, leads: list[dict]) -> list[dict]:
	"""Open activities on about a third of the open leads created in the last 60 days, due from five days
	ago to ten days ahead, assigned to the lead's owner; each such lead's next activity is set on it."""
	rng = random.Random(seed + 16)
	now = datetime.combine(end, time(9, 0))
	rows: list[dict] = []
	for lead in leads:  # every row has the columns (they are bulk-inserted together)
		lead.setdefault("next_activity_on", None)
		lead.setdefault("next_activity", None)
	for lead in leads:
		if lead["status"] not in ("New", "Contacted", "Qualified") or (now - lead["creation"]).days > 60:
			continue
		if rng.random() > 0.35:
			continue
		kind = rng.choice(TYPES)
		all_day = kind == "Task"
		due = now + timedelta(days=rng.randint(-5, 10), hours=0 if all_day else rng.randint(0, 8))
		if all_day:
			due = datetime.combine(due.date(), time.min)
		subject = SUBJECTS[kind].format(lead["lead_name"])
		rows.append(
			{
				"name": f"ACT-DEMO-{lead['name']}",
				"creation": lead["creation"],
				"modified": lead["creation"],
				"owner": lead["lead_owner"],
				"modified_by": lead["lead_owner"],
				"docstatus": 0,
				"naming_series": "ACT-.YYYY.-",
				"activity_type": kind,
				"subject": subject,
				"status": "Open",
				"due_on": due,
				"ends_on": due + (timedelta(days=1, seconds=-1) if all_day else timedelta(minutes=30)),
				"all_day": 1 if all_day else 0,
				"assigned_to": lead["lead_owner"],
				"reference_doctype": "Lead",
				"reference_name": lead["name"],
				"reference_title": lead["lead_name"],
			}
		)
		lead["next_activity_on"], lead["next_activity"] = due, subject
	return rows
