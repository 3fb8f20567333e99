"""/support/ticket?name=TKT-…: one ticket with its messages; the customer may answer while it is open."""

import frappe
from frappe import _

from crm_suite.service.feedback import feedback_token
from crm_suite.service.portal import get_ticket
from crm_suite.utils.safe_html import portal_html

no_cache = 1


def get_context(context):
	name = frappe.form_dict.get("name")
	if not name:
		frappe.throw(_("Which ticket?"), frappe.PermissionError)
	data = get_ticket(name)  # raises PermissionError for anybody else's ticket
	context.ticket = frappe._dict(data["ticket"])
	# customers' text (description, emails) is shown as formatting only: no forms, styles or scripts
	context.description_html = portal_html(context.ticket.description)
	context.messages = [{**m, "content_html": portal_html(m.get("content"))} for m in data["messages"]]
	context.title = f"{context.ticket.name}: {context.ticket.subject}"
	context.can_reply = context.ticket.status != "Closed"
	context.can_rate = context.ticket.status in ("Resolved", "Closed") and not context.ticket.feedback_rating
	context.feedback_token = feedback_token(name) if context.can_rate else None
	context.parents = [{"route": "/support", "title": _("Support Tickets")}]
	return context
