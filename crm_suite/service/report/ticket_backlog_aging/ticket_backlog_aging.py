# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt
"""Ticket Backlog Aging: open tickets (not Resolved or Closed) by age since opening and priority."""

import json

import frappe
from frappe import _, _lt
from frappe.query_builder import Case
from frappe.query_builder.functions import Count
from frappe.utils import now_datetime

from crm_suite.service.report_filters import seconds
from crm_suite.utils.permissions import readable_criterion
from crm_suite.utils.reports import chart, column

BUCKETS = [
	(0, 1, _lt("< 1 day")),
	(1, 3, _lt("1–3 days")),
	(3, 7, _lt("3–7 days")),
	(7, 14, _lt("1–2 weeks")),
	(14, 30, _lt("2–4 weeks")),
	(30, None, _lt("> 30 days")),
]
PRIORITIES = ["Urgent", "High", "Medium", "Low"]


def like_literal(text: str) -> str:
	"""`text` matched as itself inside a LIKE pattern (its wildcards and the escape character escaped)."""
	return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def bucket(age):
	"""The index in BUCKETS of an age in days, as a CASE."""
	case = Case()
	for i, (_low, high, _label) in enumerate(BUCKETS):
		case = case.when(age < high, i) if high is not None else case.else_(i)
	return case


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	ticket = frappe.qb.DocType("Ticket")
	aged = bucket(seconds(ticket.opening_date, now_datetime()) / 86400)
	condition = ticket.status.notin(["Resolved", "Closed"]) & readable_criterion("Ticket", ticket.name)
	if filters.get("agent"):
		assigned = f"%{like_literal(json.dumps(filters.agent))}%"
		condition &= (ticket.agent == filters.agent) | ticket._assign.like(assigned)
	rows = (
		frappe.qb.from_(ticket)
		.select(aged.as_("bucket"), ticket.priority, Count("*").as_("n"))
		.where(condition)
		.groupby(aged, ticket.priority)
		.run(as_dict=True)
	)
	grid = {i: {p: 0 for p in PRIORITIES} for i in range(len(BUCKETS))}
	for r in rows:
		grid[int(r.bucket)][r.priority] = r.n
	data = []
	for i, (_low, _high, label) in enumerate(BUCKETS):
		row = {"age": str(label), **{frappe.scrub(p): grid[i][p] for p in PRIORITIES}}
		row["total"] = sum(grid[i].values())
		data.append(row)
	columns = [
		column("age", _("Age"), "Data", 140),
		*(column(frappe.scrub(p), _(p), "Int", 100) for p in PRIORITIES),
		column("total", _("Total"), "Int", 100),
	]
	ages = chart(
		[d["age"] for d in data],
		{_(p): [d[frappe.scrub(p)] for d in data] for p in PRIORITIES},
		barOptions={"stacked": 1},
	)
	return columns, data, None, ages
