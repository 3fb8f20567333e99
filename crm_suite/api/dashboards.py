"""Figures behind the CRM dashboard's custom number cards (Number Card type "Custom").

The other cards and charts are plain Document Type / Group By definitions shipped as fixtures
(crm_suite/fixtures/number_card.json, dashboard_chart.json, dashboard.json)."""

import frappe
from frappe.query_builder import Case
from frappe.query_builder.functions import Count, Date
from frappe.utils import getdate, nowdate

from crm_suite.utils.permissions import readable_criterion


def missed_deadline(ticket):
	"""The deadline a breached ticket missed first: its response deadline when the first response came
	late or never came, else its resolution deadline."""
	return (
		Case()
		.when(
			ticket.response_by.isnotnull()
			& (ticket.first_responded_on.isnull() | (ticket.first_responded_on > ticket.response_by)),
			ticket.response_by,
		)
		.else_(ticket.resolution_by)
	)


def count_sla_breaches_on(day: str) -> int:
	"""Tickets marked Failed whose missed deadline fell on `day` that the session user may read (one
	set-based query; crm_suite/utils/permissions.py)."""
	ticket = frappe.qb.DocType("Ticket")
	query = (
		frappe.qb.from_(ticket)
		.select(Count(ticket.name))
		.where(ticket.agreement_status == "Failed")
		.where(Date(missed_deadline(ticket)) == getdate(day))
		.where(readable_criterion("Ticket", ticket.name))
	)
	return int(query.run()[0][0] or 0)


@frappe.whitelist()
@frappe.read_only()
def sla_breaches_today(filters=None) -> dict:
	"""Number Card "SLA Breaches Today"."""
	if not frappe.has_permission("Ticket", "read"):
		frappe.throw(frappe._("Not permitted to read tickets"), frappe.PermissionError)
	return {"value": count_sla_breaches_on(nowdate()), "fieldtype": "Int"}
