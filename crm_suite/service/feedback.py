"""Customer feedback: a rating request when a ticket is resolved, and the endpoint that stores it."""

import hashlib
import hmac
from functools import wraps

import frappe
from frappe import _
from frappe.query_builder.functions import Coalesce
from frappe.rate_limiter import rate_limit
from frappe.utils import cint, get_url, now_datetime, strip_html
from frappe.utils.password import get_encryption_key

from crm_suite.service.portal import can_access
from crm_suite.service.settings import support_setting
from crm_suite.utils.i18n import email_language, in_language

RATINGS = (1, 2, 3, 4, 5)


def feedback_token(ticket: str) -> str:
	"""A signature only this site can make: lets the customer rate without logging in."""
	key = get_encryption_key().encode()
	return hmac.new(key, f"ticket-feedback:{ticket}".encode(), hashlib.sha256).hexdigest()[:40]


def feedback_url(ticket: str, rating: int | None = None, lang: str | None = None) -> str:
	"""The rating link; with `lang`, the page opens in that language (Frappe reads `_lang` first)."""
	url = f"/support/feedback?ticket={ticket}&token={feedback_token(ticket)}"
	return get_url(url + (f"&rating={rating}" if rating else "") + (f"&_lang={lang}" if lang else ""))


def on_ticket_update(ticket) -> None:
	before = ticket.get_doc_before_save()
	if ticket.status == "Resolved" and (before is None or before.status != "Resolved"):
		request_feedback(ticket)


def is_rated(rating) -> bool:
	"""The one rule for "already rated" (the rating email, the feedback page and the endpoint): a ticket
	is rated once it has a rating, whatever `feedback_on` says (a rating set by an import or an agent
	has no `feedback_on`; a cleared rating may keep it)."""
	return cint(rating) in RATINGS


def not_rated_condition(t):
	"""`is_rated` negated, as a query condition on the Ticket table `t` (an Int column: 0 when unset)."""
	return Coalesce(t.feedback_rating, 0).notin(RATINGS)


def request_feedback(ticket) -> bool:
	if not ticket.raised_by or is_rated(ticket.feedback_rating):
		return False
	if not cint(support_setting("send_feedback_request")):
		return False
	if not frappe.db.exists("Email Account", {"enable_outgoing": 1, "default_outgoing": 1}):
		return False  # no outgoing mail set up: nothing to queue (Frappe would refuse to queue it)
	# In the customer's language (their User's or Contact's, else the site's), and so is the page the
	# links open.
	lang = email_language(ticket.raised_by)
	links = "".join(
		f'<a href="{feedback_url(ticket.name, r, lang)}" style="margin-right:12px">{"★" * r}</a>'
		for r in RATINGS
	)
	with in_language(lang):
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


class FeedbackAlreadyGiven(frappe.ValidationError):
	http_status_code = 409


# Per address and ticket: a customer rates once (a retry or two at most), so this only stops hammering.
FEEDBACK_RATE_LIMIT = 5


def ticket_name_first(fn):
	"""Refuses a `ticket` that is not text before Frappe's rate limiter reads it: the limiter joins the
	address and the value as text, so a JSON null, true/false, number, list or object made it fail with
	a 500. The app's API guard refuses these on /api/method already; this covers every other route
	(/api/v2/method, the legacy `cmd` call) and in-process calls."""

	@wraps(fn)
	def wrapper(*args, **kwargs):
		values = [kwargs["ticket"]] if "ticket" in kwargs else list(args[:1])
		if "ticket" in (frappe.form_dict or {}):
			values.append(frappe.form_dict.get("ticket"))
		if any(not isinstance(v, str) for v in values):
			frappe.throw(
				_("The ticket must be given by its name, as text"),
				frappe.ValidationError,
				title=_("Invalid Ticket"),
			)
		return fn(*args, **kwargs)

	return wrapper


@frappe.whitelist(allow_guest=True, methods=["POST"])
@ticket_name_first
@rate_limit(key="ticket", limit=FEEDBACK_RATE_LIMIT, seconds=60 * 60, methods=["POST"])
def submit_feedback(ticket: str, rating, comment: str | None = None, token: str | None = None) -> dict:
	"""Stores the customer's rating (1–5) and comment, once per ticket: the emailed link (or a logged-in
	user of the ticket's customer) rates it; a second rating, by the same link or another, is refused
	with a message, the first one stays."""
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
	t = frappe.qb.DocType("Ticket")
	(
		frappe.qb.update(t)
		.set(t.feedback_rating, value)
		.set(t.feedback_comment, text)
		.set(t.feedback_on, now_datetime())
		.where(t.name == ticket)
		.where(not_rated_condition(t))  # one statement: two links used at once cannot both rate
		.run()
	)
	if not frappe.db._cursor.rowcount:
		frappe.throw(
			_("Ticket {0} has already been rated ({1} of 5). Thank you for your feedback!").format(
				ticket, frappe.db.get_value("Ticket", ticket, "feedback_rating")
			),
			FeedbackAlreadyGiven,
			title=_("Already Rated"),
		)
	return {"ticket": ticket, "rating": value}
