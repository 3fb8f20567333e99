"""What the Service reports share, as `frappe.qb`: the ticket date range (half-open, so indexes are used),
the customer, only the tickets the user may read (crm_suite/utils/permissions.py), and the expressions
several of them group or average by."""

import frappe
from frappe.query_builder.functions import Coalesce
from frappe.utils import add_days, getdate
from pypika.terms import Criterion, CustomFunction, LiteralValue, Term

from crm_suite.utils.permissions import readable_criterion

JsonExtract = CustomFunction("JSON_EXTRACT", ["document", "path"])
JsonUnquote = CustomFunction("JSON_UNQUOTE", ["value"])
TimestampDiff = CustomFunction("TIMESTAMPDIFF", ["unit", "start", "end"])


def ticket_criterion(filters: dict, ticket, date: Term) -> Criterion:
	"""`date` in [from_date, to_date], the customer, and the tickets the user may read."""
	filters = frappe._dict(filters or {})
	parts = [readable_criterion("Ticket", ticket.name)]
	if filters.get("from_date"):
		parts.append(date >= getdate(filters.from_date))
	if filters.get("to_date"):
		parts.append(date < add_days(getdate(filters.to_date), 1))
	if filters.get("customer"):
		parts.append(ticket.customer == filters.customer)
	return Criterion.all(parts)


def agent(ticket) -> Term:
	"""The ticket's agent, else its first assignee, else ''."""
	return Coalesce(ticket.agent, JsonUnquote(JsonExtract(ticket._assign, "$[0]")), "")


def seconds(start: Term, end: Term) -> Term:
	return TimestampDiff(LiteralValue("second"), start, end)
