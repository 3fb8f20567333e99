"""Customer feedback: a rating request when a ticket is resolved, and the endpoint that stores it."""

from __future__ import annotations

import hashlib
import hmac

import frappe
from frappe import _
from frappe.utils import cint, get_url, now_datetime, strip_html
from frappe.utils.password import get_encryption_key

from crm_suite.service.portal import can_access
from crm_suite.service.settings import support_setting

RATINGS = (1, 2, 3, 4, 5)


def feedback_token(ticket: str) -> str:
	"""A signature only this site can make: lets the customer rate without logging in."""
	key = get_encryption_key().encode()
	return hmac.new(key, f"ticket-feedback:{ticket}".encode(), hashlib.sha256).hexdigest()[:40]


def feedback_url(ticket: str, rating: int | None = None) -> str:
	url = f"/support/feedback?ticket={ticket}&token={feedback_token(ticket)}"
	return get_url(url + (f"&rating={rating}" if rating else ""))


def on_ticket_update(ticket) -> None:
	before = ticket.get_doc_before_save()
	if ticket.status == "Resolved" and (before is None or before.status != "Resolved"):
		request_feedback(ticket)


def request_feedback(ticket) -> bool:
	if not ticket.raised_by or ticket.feedback_rating:
		return False
	if not cint(support_setting("send_feedback_request")):
		return False
	if not frappe.db.exists("Email Account", {"enable_outgoing": 1, "default_outgoing": 1}):
		return False  # no outgoing mail set up: nothing to queue (Frappe would refuse to queue it)
	links = "".join(
		f'<a href="{feedback_url(ticket.name, r)}" style="margin-right:12px">{"★" * r}</a>' for r in RATINGS
	)
	frappe.sendmail(
		recipients=[ticket.raised_by],
		subject=_("How did we do? {0}").format(ticket.subject),
		message=_("Your ticket {0} has been resolved. Please rate our service from 1 to 5:").format(
			ticket.name
		)
		+ f"<p>{links}</p>",
		reference_doctype="Ticket",
		reference_name=ticket.name,
	)
	ticket.db_set("feedback_requested_on", now_datetime(), update_modified=False)
	return True


def parse_rating(rating) -> int:
	text = str(rating).strip() if rating is not None else ""
	if not text.isdigit() or int(text) not in RATINGS:
		frappe.throw(_("The rating must be a whole number from 1 to 5"), title=_("Invalid Rating"))
	return int(text)


@frappe.whitelist(allow_guest=True, methods=["POST"])
def submit_feedback(ticket: str, rating, comment: str | None = None, token: str | None = None) -> dict:
	"""Stores the customer's rating (1–5) and comment. Allowed with the emailed token, or for a
	logged-in user of the ticket's customer."""
	value = parse_rating(rating)
	if not ticket or not frappe.db.exists("Ticket", ticket):
		raise frappe.PermissionError(_("This feedback link is not valid"))
	doc = frappe.get_doc("Ticket", ticket)
	signed = bool(token) and hmac.compare_digest(str(token), feedback_token(ticket))
	owner = frappe.session.user != "Guest" and can_access(doc, frappe.session.user)
	if not (signed or owner):
		raise frappe.PermissionError(_("This feedback link is not valid"))
	if doc.status not in ("Resolved", "Closed"):
		frappe.throw(_("You can rate a ticket once it is resolved"), title=_("Not Resolved Yet"))
	text = strip_html(comment or "").strip()[:2000]
	frappe.db.set_value(
		"Ticket",
		ticket,
		{"feedback_rating": value, "feedback_comment": text, "feedback_on": now_datetime()},
		update_modified=False,
	)
	return {"ticket": ticket, "rating": value}
