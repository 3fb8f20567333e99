"""/support/feedback?ticket=…&token=…[&rating=n]: the page the rating email links to (no login needed)."""

import hmac

import frappe
from frappe import _

from crm_suite.service.feedback import RATINGS, feedback_token, is_rated

no_cache = 1


def get_context(context):
	ticket = frappe.form_dict.get("ticket") or ""
	token = frappe.form_dict.get("token") or ""
	if not ticket or not token or not hmac.compare_digest(token, feedback_token(ticket)):
		frappe.throw(_("This feedback link is not valid"), frappe.PermissionError)
	context.ticket = ticket
	context.token = token
	# a ticket is rated once (crm_suite.service.feedback.submit_feedback): a second visit shows that rating
	context.subject, context.given_rating = frappe.db.get_value(
		"Ticket", ticket, ["subject", "feedback_rating"]
	) or (None, None)
	context.already_rated = is_rated(context.given_rating)
	rating = frappe.form_dict.get("rating")
	context.rating = int(rating) if rating and str(rating).isdigit() and int(rating) in RATINGS else None
	context.ratings = RATINGS
	context.title = _("Rate Our Service")
	return context
