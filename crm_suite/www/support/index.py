"""/support: a customer's contacts list their customer's tickets and open a new one."""

import frappe
from frappe import _

from crm_suite.service.portal import get_my_tickets

no_cache = 1


def get_context(context):
	if frappe.session.user == "Guest":
		frappe.throw(_("Please log in to see your tickets"), frappe.PermissionError)
	context.title = _("Support Tickets")
	context.tickets = get_my_tickets(status=frappe.form_dict.get("status") or None)
	context.ticket_types = frappe.get_all("Ticket Type", pluck="name", order_by="name")
	context.show_sidebar = True
	return context
