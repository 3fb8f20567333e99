# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt
"""Customer Satisfaction Trend: ratings per month, average (1–5) and the share of 4s and 5s."""

import frappe
from frappe import _
from frappe.query_builder.functions import Avg, Coalesce, Count, DateFormat
from frappe.utils import flt

from crm_suite.service.report_filters import ticket_criterion
from crm_suite.utils.reports import chart, column, count_if


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	ticket = frappe.qb.DocType("Ticket")
	# A rating counts in the month it was given; a rating set without that date (by an import or an
	# agent) counts in the month the ticket was resolved, else opened (feedback.is_rated: rated = has a rating).
	rated_on = Coalesce(ticket.feedback_on, ticket.resolution_date, ticket.opening_date)
	month = DateFormat(rated_on, "%Y-%m")
	rows = (
		frappe.qb.from_(ticket)
		.select(
			month.as_("month"),
			Count("*").as_("ratings"),
			Avg(ticket.feedback_rating).as_("average"),
			count_if(ticket.feedback_rating >= 4).as_("satisfied"),
		)
		.where(ticket.feedback_rating[1:5] & rated_on.notnull() & ticket_criterion(filters, ticket, rated_on))
		.groupby(month)
		.orderby(month)
		.run(as_dict=True)
	)
	for r in rows:
		r.average = flt(r.average, 2)
		r.csat = flt(100.0 * flt(r.satisfied) / r.ratings, 1) if r.ratings else 0.0
	columns = [
		column("month", _("Month"), "Data", 110),
		column("ratings", _("Ratings"), "Int", 90),
		column("average", _("Average (1–5)"), "Float", 120),
		column("satisfied", _("4 or 5"), "Int", 90),
		column("csat", _("CSAT %"), "Percent", 100),
	]
	return (
		columns,
		rows,
		None,
		chart([r.month for r in rows], {_("Average (1–5)"): [r.average for r in rows]}, "line"),
	)
