# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt
"""First Response and Resolution Time by Agent (wall-clock hours from opening; the SLA status
report measures business time)."""

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.query_builder.functions import Avg, Count
from frappe.utils import flt

from crm_suite.service.report_filters import agent, seconds, ticket_criterion
from crm_suite.utils.reports import chart, column, count_if


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	ticket = frappe.qb.DocType("Ticket")
	by_agent, resolved = agent(ticket), ticket.resolution_date.notnull()
	dates = {k: filters.get(k) for k in ("from_date", "to_date")}  # (this report has no customer filter)
	rows = (
		frappe.qb.from_(ticket)
		.select(
			by_agent.as_("agent"),
			Count("*").as_("tickets"),
			(Avg(seconds(ticket.opening_date, ticket.first_responded_on)) / 3600).as_("avg_response_hours"),
			(Avg(Case().when(resolved, seconds(ticket.opening_date, ticket.resolution_date))) / 3600).as_(
				"avg_resolution_hours"
			),
			count_if(resolved).as_("resolved"),
			count_if(ticket.agreement_status == "Failed").as_("breached"),
		)
		.where(ticket_criterion(dates, ticket, ticket.opening_date))
		.groupby(by_agent)
		.orderby(Count("*"), order=frappe.qb.desc)
		.run(as_dict=True)
	)
	for r in rows:
		r.agent = r.agent or _("(unassigned)")
		r.avg_response_hours = flt(r.avg_response_hours, 2)
		r.avg_resolution_hours = flt(r.avg_resolution_hours, 2)
	columns = [
		column("agent", _("Agent"), "Data", 220),
		column("tickets", _("Tickets"), "Int", 90),
		column("resolved", _("Resolved"), "Int", 90),
		column("breached", _("SLA Failed"), "Int", 100),
		column("avg_response_hours", _("Avg First Response (h)"), "Float", 170),
		column("avg_resolution_hours", _("Avg Resolution (h)"), "Float", 150),
	]
	times = chart(
		[r.agent for r in rows],
		{
			_("Avg First Response (h)"): [r.avg_response_hours for r in rows],
			_("Avg Resolution (h)"): [r.avg_resolution_hours for r in rows],
		},
	)
	return columns, rows, None, times
