# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt
"""Customer Satisfaction Trend: ratings per month, average (1–5) and the share of 4s and 5s."""

import frappe
from frappe import _
from frappe.utils import flt

from crm_suite.utils.permissions import readable_condition


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	# A rating counts in the month it was given; a rating set without that date (by an import or an
	# agent) counts in the month the ticket was resolved, else opened (feedback.is_rated: rated = has a rating).
	rated_on = "coalesce(t.feedback_on, t.resolution_date, t.opening_date)"
	conditions, values = ["t.feedback_rating between 1 and 5", f"{rated_on} is not null"], {}
	if filters.get("from_date"):
		conditions.append(f"{rated_on} >= %(from_date)s")
		values["from_date"] = filters.from_date
	if filters.get("to_date"):
		conditions.append(f"{rated_on} < date_add(%(to_date)s, interval 1 day)")
		values["to_date"] = filters.to_date
	conditions.append(readable_condition("Ticket", "t.`name`"))  # only tickets the user may read
	if filters.get("customer"):
		conditions.append("t.customer = %(customer)s")
		values["customer"] = filters.customer
	rows = frappe.db.sql(
		f"""select date_format({rated_on}, '%%Y-%%m') as month, count(*) as ratings,
			avg(t.feedback_rating) as average, sum(t.feedback_rating >= 4) as satisfied
		from `tabTicket` t
		where {" and ".join(conditions)}
		group by month order by month""",
		values,
		as_dict=True,
	)
	for r in rows:
		r.average = flt(r.average, 2)
		r.csat = flt(100.0 * flt(r.satisfied) / r.ratings, 1) if r.ratings else 0.0
	columns = [
		{"fieldname": "month", "label": _("Month"), "fieldtype": "Data", "width": 110},
		{"fieldname": "ratings", "label": _("Ratings"), "fieldtype": "Int", "width": 90},
		{"fieldname": "average", "label": _("Average (1–5)"), "fieldtype": "Float", "width": 120},
		{"fieldname": "satisfied", "label": _("4 or 5"), "fieldtype": "Int", "width": 90},
		{"fieldname": "csat", "label": _("CSAT %"), "fieldtype": "Percent", "width": 100},
	]
	chart = {
		"data": {
			"labels": [r.month for r in rows],
			"datasets": [{"name": _("Average (1–5)"), "values": [r.average for r in rows]}],
		},
		"type": "line",
	}
	return columns, rows, None, chart
