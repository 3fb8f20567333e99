# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt
"""SLA Compliance: share of tickets whose agreement was fulfilled, by priority, agent or month.
Counted over tickets with a final outcome (Fulfilled, or Failed whether still open or not)."""

import frappe
from frappe import _
from frappe.query_builder.functions import Count, DateFormat
from frappe.utils import flt

from crm_suite.service.report_filters import agent, ticket_criterion
from crm_suite.utils.reports import chart, column, count_if

GROUPS = {
	"Priority": lambda ticket: ticket.priority,
	"Agent": agent,
	"Month": lambda ticket: DateFormat(ticket.opening_date, "%Y-%m"),
	"Service Level Agreement": lambda ticket: ticket.service_level_agreement,
}


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	group_by = filters.get("group_by") or "Priority"
	if group_by not in GROUPS:
		frappe.throw(_("Unknown grouping {0}").format(group_by), title=_("Invalid Filter"))
	ticket = frappe.qb.DocType("Ticket")
	group = GROUPS[group_by](ticket)
	rows = (
		frappe.qb.from_(ticket)
		.select(
			group.as_("grp"),
			Count("*").as_("total"),
			count_if(ticket.agreement_status == "Fulfilled").as_("fulfilled"),
			count_if(ticket.agreement_status == "Failed").as_("failed"),
		)
		.where(
			ticket.agreement_status.isin(["Fulfilled", "Failed"])
			& ticket_criterion(filters, ticket, ticket.opening_date)
		)
		.groupby(group)
		.orderby(group)
		.run(as_dict=True)
	)
	for r in rows:
		# a priority or ticket type (a shipped master) in the reader's language; an agent is a user id
		r.grp = (r.grp if group_by == "Agent" else _(r.grp)) if r.grp else _("(none)")
		r.compliance = flt(100.0 * flt(r.fulfilled) / r.total, 1) if r.total else 0.0
	columns = [
		column("grp", _(group_by), "Data", 200),
		column("total", _("Tickets"), "Int", 100),
		column("fulfilled", _("Fulfilled"), "Int", 100),
		column("failed", _("Failed"), "Int", 100),
		column("compliance", _("Compliance %"), "Percent", 120),
	]
	compliance = chart(
		[r.grp for r in rows], {_("Compliance %"): [r.compliance for r in rows]}, colors=["#29CD42"]
	)
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
	return columns, rows, None, compliance, summary
