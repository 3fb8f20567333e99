# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt
"""First Response and Resolution Time by Agent (wall-clock hours from opening; the SLA status
report measures business time)."""

import frappe
from frappe import _
from frappe.utils import flt

from crm_suite.utils.permissions import readable_condition

AGENT = "coalesce(t.agent, json_unquote(json_extract(t._assign, '$[0]')), '')"


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	# only the tickets the user may read
	conditions, values = [readable_condition("Ticket", "t.`name`")], {}
	if filters.get("from_date"):
		conditions.append("t.opening_date >= %(from_date)s")
		values["from_date"] = filters.from_date
	if filters.get("to_date"):
		conditions.append("t.opening_date < date_add(%(to_date)s, interval 1 day)")
		values["to_date"] = filters.to_date
	rows = frappe.db.sql(
		f"""select {AGENT} as agent, count(*) as tickets,
			avg(timestampdiff(second, t.opening_date, t.first_responded_on)) / 3600 as avg_response_hours,
			avg(case when t.resolution_date is not null
				then timestampdiff(second, t.opening_date, t.resolution_date) end) / 3600 as avg_resolution_hours,
			sum(t.resolution_date is not null) as resolved,
			sum(t.agreement_status = 'Failed') as breached
		from `tabTicket` t
		where {" and ".join(conditions)}
		group by agent order by tickets desc""",
		values,
		as_dict=True,
	)
	for r in rows:
		r.agent = r.agent or _("(unassigned)")
		r.avg_response_hours = flt(r.avg_response_hours, 2)
		r.avg_resolution_hours = flt(r.avg_resolution_hours, 2)
	columns = [
		{"fieldname": "agent", "label": _("Agent"), "fieldtype": "Data", "width": 220},
		{"fieldname": "tickets", "label": _("Tickets"), "fieldtype": "Int", "width": 90},
		{"fieldname": "resolved", "label": _("Resolved"), "fieldtype": "Int", "width": 90},
		{"fieldname": "breached", "label": _("SLA Failed"), "fieldtype": "Int", "width": 100},
		{
			"fieldname": "avg_response_hours",
			"label": _("Avg First Response (h)"),
			"fieldtype": "Float",
			"width": 170,
		},
		{
			"fieldname": "avg_resolution_hours",
			"label": _("Avg Resolution (h)"),
			"fieldtype": "Float",
			"width": 150,
		},
	]
	chart = {
		"data": {
			"labels": [r.agent for r in rows],
			"datasets": [
				{"name": _("Avg First Response (h)"), "values": [r.avg_response_hours for r in rows]},
				{"name": _("Avg Resolution (h)"), "values": [r.avg_resolution_hours for r in rows]},
			],
		},
		"type": "bar",
	}
	return columns, rows, None, chart
