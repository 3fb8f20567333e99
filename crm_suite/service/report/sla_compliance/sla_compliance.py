# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt
"""SLA Compliance: share of tickets whose agreement was fulfilled, by priority, agent or month.
Counted over tickets with a final outcome (Fulfilled, or Failed whether still open or not)."""

import frappe
from frappe import _
from frappe.utils import flt

from crm_suite.utils.permissions import readable_condition

GROUPS = {
	"Priority": "t.priority",
	"Agent": "coalesce(t.agent, json_unquote(json_extract(t._assign, '$[0]')), '')",
	"Month": "date_format(t.opening_date, '%%Y-%%m')",
	"Service Level Agreement": "t.service_level_agreement",
}


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	group_by = filters.get("group_by") or "Priority"
	if group_by not in GROUPS:
		frappe.throw(_("Unknown grouping {0}").format(group_by), title=_("Invalid Filter"))
	conditions, values = ["t.agreement_status in ('Fulfilled', 'Failed')"], {}
	if filters.get("from_date"):
		conditions.append("t.opening_date >= %(from_date)s")
		values["from_date"] = filters.from_date
	if filters.get("to_date"):
		conditions.append("t.opening_date < date_add(%(to_date)s, interval 1 day)")
		values["to_date"] = filters.to_date
	conditions.append(readable_condition("Ticket", "t.`name`"))  # only tickets the user may read
	if filters.get("customer"):
		conditions.append("t.customer = %(customer)s")
		values["customer"] = filters.customer
	rows = frappe.db.sql(
		f"""select {GROUPS[group_by]} as grp, count(*) as total,
			sum(t.agreement_status = 'Fulfilled') as fulfilled, sum(t.agreement_status = 'Failed') as failed
		from `tabTicket` t
		where {" and ".join(conditions)}
		group by grp order by grp""",
		values,
		as_dict=True,
	)
	for r in rows:
		# a priority or ticket type (a shipped master) in the reader's language; an agent is a user id
		r.grp = (r.grp if group_by == "Agent" else _(r.grp)) if r.grp else _("(none)")
		r.compliance = flt(100.0 * flt(r.fulfilled) / r.total, 1) if r.total else 0.0
	columns = [
		{"fieldname": "grp", "label": _(group_by), "fieldtype": "Data", "width": 200},
		{"fieldname": "total", "label": _("Tickets"), "fieldtype": "Int", "width": 100},
		{"fieldname": "fulfilled", "label": _("Fulfilled"), "fieldtype": "Int", "width": 100},
		{"fieldname": "failed", "label": _("Failed"), "fieldtype": "Int", "width": 100},
		{"fieldname": "compliance", "label": _("Compliance %"), "fieldtype": "Percent", "width": 120},
	]
	chart = {
		"data": {
			"labels": [r.grp for r in rows],
			"datasets": [{"name": _("Compliance %"), "values": [r.compliance for r in rows]}],
		},
		"type": "bar",
		"colors": ["#29CD42"],
	}
	total = sum(r.total for r in rows)
	fulfilled = sum(flt(r.fulfilled) for r in rows)
	summary = [
		{"label": _("Tickets"), "value": total, "datatype": "Int"},
		{
			"label": _("Compliance"),
			"value": flt(100.0 * fulfilled / total, 1) if total else 0,
			"datatype": "Percent",
			"indicator": "Green" if total and fulfilled / total >= 0.9 else "Red",
		},
	]
	return columns, rows, None, chart, summary
