"""My Day: what needs the signed-in user today, in one call for the desk page (/app/my-day).

Sections (each only when the user's roles may read its doctype):
- overdue and today's activities assigned to them;
- their tickets (agent or assignee) whose SLA is breached or at risk (next deadline within the settings'
  minutes);
- hot leads: theirs (lead owner or assignee), open, scoring at least the threshold, untouched (not
  changed and no interaction for N days) and with no open activity;
- at-risk customers they manage (account manager): churn flag or one of the at-risk RFM segments;
- missed calls to them: an open call-back ToDo allocated to them, or a missed call they were the agent
  of (last N days) not yet handled (its call-back ToDo closed).

Every list goes through Frappe's list query (`frappe.get_list`), so record rules apply as everywhere
else: the own-records option of CRM Settings, User Permissions, the activity rules that follow the record.
Queries start from the user (assignee, owner, agent, account manager, ToDo allocation: indexed columns),
so the page costs the same however many records the site has (benchmarks/activities_my_day.py).
"""

from __future__ import annotations

from datetime import datetime

import frappe
from frappe import _
from frappe.utils import add_days, add_to_date, now_datetime

from crm_suite.activities import rules
from crm_suite.activities.permissions import memoised_rules
from crm_suite.activities.settings import get_settings

ROWS = 50  # rows shown per section; the counts are exact
LEAD_CANDIDATES = 200
OPEN_LEAD_STATES = ("New", "Contacted", "Qualified")
RUNNING_TICKETS = ("Open", "In Progress")  # Waiting on Customer pauses the SLA clock
SLA_RUNNING = ["Failed", "First Response Due", "Resolution Due"]
ACTIVITY_FIELDS = [
	"name",
	"subject",
	"activity_type",
	"due_on",
	"ends_on",
	"all_day",
	"reference_doctype",
	"reference_name",
	"reference_title",
	"location",
]


def can_read(doctype: str) -> bool:
	return bool(frappe.has_permission(doctype, "read"))


def count(doctype: str, filters: list) -> int:
	rows = frappe.get_list(
		doctype, filters=filters, fields=["count(*) as n"], order_by="", limit_page_length=0
	)
	return int(rows[0].n) if rows else 0


def assigned_names(user: str, doctype: str) -> list[str]:
	"""Records of `doctype` with an open assignment (ToDo) to `user`."""
	return frappe.get_all(
		"ToDo",
		filters={"allocated_to": user, "status": "Open", "reference_type": doctype},
		pluck="reference_name",
		limit_page_length=0,
	)


def activities(user: str, now: datetime) -> dict:
	"""Overdue and today's open activities of the user, soonest first."""
	today = rules.day_start(now)
	tomorrow = add_days(today, 1)
	mine = [["assigned_to", "=", user], ["status", "=", rules.OPEN]]
	before_today = [*mine, ["due_on", "<", today]]
	earlier = frappe.get_list(
		"CRM Activity",
		filters=before_today,
		fields=ACTIVITY_FIELDS,
		order_by="due_on asc",
		limit_page_length=ROWS,
	)
	earlier_count = len(earlier) if len(earlier) < ROWS else count("CRM Activity", before_today)
	todays = frappe.get_list(
		"CRM Activity",
		filters=[*mine, ["due_on", ">=", today], ["due_on", "<", tomorrow]],
		fields=ACTIVITY_FIELDS,
		order_by="due_on asc",
		limit_page_length=0,
	)
	overdue_today = [r for r in todays if rules.is_overdue(r.due_on, r.all_day, now)]
	due_today = [r for r in todays if not rules.is_overdue(r.due_on, r.all_day, now)]
	return {
		"overdue": {"count": earlier_count + len(overdue_today), "rows": (earlier + overdue_today)[:ROWS]},
		"today": {"count": len(due_today), "rows": due_today[:ROWS]},
	}


def tickets(user: str, now: datetime, at_risk_minutes: int) -> dict:
	"""The user's running tickets whose SLA is breached or at risk, breached first, then by deadline."""
	fields = [
		"name",
		"subject",
		"customer",
		"priority",
		"status",
		"agreement_status",
		"first_responded_on",
		"response_by",
		"resolution_by",
	]
	base = [["status", "in", RUNNING_TICKETS], ["agreement_status", "in", SLA_RUNNING]]
	rows = {
		r.name: r for r in frappe.get_list("Ticket", filters=[*base, ["agent", "=", user]], fields=fields)
	}
	assigned = [n for n in assigned_names(user, "Ticket") if n not in rows]
	if assigned:
		rows.update(
			{
				r.name: r
				for r in frappe.get_list("Ticket", filters=[*base, ["name", "in", assigned]], fields=fields)
			}
		)
	found = []
	for row in rows.values():
		state = rules.sla_state(
			row.agreement_status,
			row.first_responded_on,
			row.response_by,
			row.resolution_by,
			now,
			at_risk_minutes,
		)
		if state:
			row.sla_state, row.deadline = state
			found.append(row)
	found.sort(key=lambda r: (r.sla_state != rules.BREACHED, r.deadline or now))
	return {"count": len(found), "rows": found[:ROWS]}


def hot_leads(user: str, now: datetime, score: int, idle_days: int) -> dict:
	"""The user's open leads scoring at least `score`, untouched for `idle_days` and with nothing planned."""
	cutoff = add_days(now, -idle_days)
	fields = [
		"name",
		"lead_name",
		"company_name",
		"status",
		"lead_score",
		"modified",
		"email_id",
		"mobile_no",
		"phone",
	]
	base = [
		["status", "in", OPEN_LEAD_STATES],
		["lead_score", ">=", score],
		["modified", "<", cutoff],
		["next_activity_on", "is", "not set"],
		["merged_into", "is", "not set"],
	]
	kw = {"fields": fields, "order_by": "lead_score desc", "limit_page_length": LEAD_CANDIDATES}
	rows = {r.name: r for r in frappe.get_list("Lead", filters=[*base, ["lead_owner", "=", user]], **kw)}
	assigned = [n for n in assigned_names(user, "Lead") if n not in rows]
	if assigned:
		rows.update(
			{r.name: r for r in frappe.get_list("Lead", filters=[*base, ["name", "in", assigned]], **kw)}
		)
	if rows:
		touched = set(
			frappe.get_all(
				"Interaction",
				filters={"lead": ("in", list(rows)), "interaction_time": (">=", cutoff)},
				pluck="lead",
				distinct=True,
			)
		)
		rows = {n: r for n, r in rows.items() if n not in touched}
	found = sorted(rows.values(), key=lambda r: (-(r.lead_score or 0), r.modified))
	return {"count": len(found), "rows": found[:ROWS]}


def at_risk_customers(user: str, segments: list[str], churn: bool) -> dict:
	fields = [
		"name",
		"customer_name",
		"rfm_segment",
		"churn_risk",
		"monetary",
		"last_order_date",
		"next_activity_on",
		"next_activity",
		"email_id",
		"phone",
		"mobile_no",
	]
	if not segments and not churn:
		return {"count": 0, "rows": []}
	or_filters = []
	if churn:
		or_filters.append(["churn_risk", "=", 1])
	if segments:
		or_filters.append(["rfm_segment", "in", segments])
	filters = [["account_manager", "=", user], ["disabled", "=", 0]]
	rows = frappe.get_list(
		"Customer",
		filters=filters,
		or_filters=or_filters,
		fields=fields,
		order_by="monetary desc",
		limit_page_length=ROWS + 1,
	)
	total = len(rows) if len(rows) <= ROWS else count_or("Customer", filters, or_filters)
	# the ones with nothing planned first
	rows = sorted(rows[:ROWS], key=lambda r: r.next_activity_on is not None)
	return {"count": total, "rows": rows}


def count_or(doctype: str, filters: list, or_filters: list) -> int:
	rows = frappe.get_list(
		doctype,
		filters=filters,
		or_filters=or_filters,
		fields=["count(*) as n"],
		order_by="",
		limit_page_length=0,
	)
	return int(rows[0].n) if rows else 0


def missed_calls(user: str, now: datetime, days: int) -> dict:
	"""Missed calls waiting for the user: call-back ToDos allocated to them that are open, and missed
	calls they were the agent of in the last `days` days whose call-back ToDo (if any) is not closed."""
	todos = frappe.get_all(
		"ToDo",
		filters={"allocated_to": user, "status": "Open", "reference_type": "Interaction"},
		fields=["name", "reference_name"],
		limit_page_length=0,
	)
	fields = [
		"name",
		"subject",
		"interaction_time",
		"normalised_phone",
		"phone_number",
		"customer",
		"lead",
		"reference_doctype",
		"reference_name",
		"agent",
	]
	missed = [["channel", "=", "Call"], ["call_status", "=", "Missed"]]
	rows = {}
	if todos:
		rows = {
			r.name: r
			for r in frappe.get_list(
				"Interaction",
				filters=[*missed, ["name", "in", [t.reference_name for t in todos]]],
				fields=fields,
			)
		}
	since = add_days(rules.day_start(now), -days)
	own = frappe.get_list(
		"Interaction",
		filters=[*missed, ["agent", "=", user], ["interaction_time", ">=", since]],
		fields=fields,
		order_by="interaction_time desc",
		limit_page_length=ROWS * 4,
	)
	handled = set()
	if own:
		handled = set(
			frappe.get_all(
				"ToDo",
				filters={
					"reference_type": "Interaction",
					"reference_name": ("in", [r.name for r in own]),
					"status": ("in", ["Closed", "Cancelled"]),
				},
				pluck="reference_name",
			)
		) - {t.reference_name for t in todos}
	for row in own:
		if row.name not in handled:
			rows.setdefault(row.name, row)
	found = sorted(rows.values(), key=lambda r: r.interaction_time, reverse=True)
	return {"count": len(found), "rows": found[:ROWS]}


def get_my_day(user: str | None = None, now: datetime | None = None) -> dict:
	user = user or frappe.session.user
	now = now or now_datetime()
	settings = get_settings()
	result: dict = {
		"user": user,
		"now": now,
		"thresholds": {
			"hot_lead_score": settings.hot_lead_score,
			"hot_lead_idle_days": settings.hot_lead_idle_days,
			"ticket_at_risk_minutes": settings.ticket_at_risk_minutes,
			"at_risk_segments": settings.segments,
			"include_churn_risk": settings.include_churn_risk,
			"missed_call_days": settings.missed_call_days,
		},
	}
	with memoised_rules():
		if can_read("CRM Activity"):
			result.update(activities(user, now))
		if can_read("Ticket"):
			result["tickets"] = tickets(user, now, settings.ticket_at_risk_minutes)
		if can_read("Lead"):
			result["hot_leads"] = hot_leads(user, now, settings.hot_lead_score, settings.hot_lead_idle_days)
		if can_read("Customer"):
			result["at_risk_customers"] = at_risk_customers(
				user, settings.segments, bool(settings.include_churn_risk)
			)
		if can_read("Interaction"):
			result["missed_calls"] = missed_calls(user, now, settings.missed_call_days)
	return result
