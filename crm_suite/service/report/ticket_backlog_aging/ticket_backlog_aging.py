# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt
"""Ticket Backlog Aging: open tickets (not Resolved or Closed) by age since opening and priority."""

import json

import frappe
from frappe import _, _lt
from frappe.utils import now_datetime

from crm_suite.utils.permissions import readable_condition

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


def bucket_sql() -> str:
	parts = []
	for i, (_low, high, _label) in enumerate(BUCKETS):
		if high is None:
			parts.append(f"else {i}")
		else:
			parts.append(f"when age < {high} then {i}")
	return "case " + " ".join(parts) + " end"


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	values = {"now": now_datetime()}
	extra = " and " + readable_condition("Ticket", "t.`name`")  # only tickets the user may read
	if filters.get("agent"):
		extra += " and (t.agent = %(agent)s or t._assign like %(assign)s)"
		values.update(agent=filters.agent, assign=f"%{like_literal(json.dumps(filters.agent))}%")
	rows = frappe.db.sql(
		f"""select bucket, priority, count(*) as n from (
			select {bucket_sql()} as bucket, priority from (
				select t.priority, timestampdiff(second, t.opening_date, %(now)s) / 86400 as age
				from `tabTicket` t
				where t.status not in ('Resolved', 'Closed'){extra}
			) aged
		) b group by bucket, priority""",
		values,
		as_dict=True,
	)
	grid = {i: {p: 0 for p in PRIORITIES} for i in range(len(BUCKETS))}
	for r in rows:
		grid[int(r.bucket)][r.priority] = r.n
	data = []
	for i, (_low, _high, label) in enumerate(BUCKETS):
		row = {"age": str(label), **{frappe.scrub(p): grid[i][p] for p in PRIORITIES}}
		row["total"] = sum(grid[i].values())
		data.append(row)
	columns = [{"fieldname": "age", "label": _("Age"), "fieldtype": "Data", "width": 140}]
	columns += [
		{"fieldname": frappe.scrub(p), "label": _(p), "fieldtype": "Int", "width": 100} for p in PRIORITIES
	]
	columns.append({"fieldname": "total", "label": _("Total"), "fieldtype": "Int", "width": 100})
	chart = {
		"data": {
			"labels": [d["age"] for d in data],
			"datasets": [{"name": _(p), "values": [d[frappe.scrub(p)] for d in data]} for p in PRIORITIES],
		},
		"type": "bar",
		"barOptions": {"stacked": 1},
	}
	return columns, data, None, chart
