"""/unsub/<token>: the one-click unsubscribe URL of a campaign email's List-Unsubscribe header.

POST (RFC 8058: the mailbox provider posts `List-Unsubscribe=One-Click`, without a login) records the
unsubscribe and answers 200. GET only shows the page with a button that posts: link scanners and previews
open URLs, and RFC 8058 says a GET must not unsubscribe. A malformed, forged or unknown token is a 404.
"""

import frappe
from frappe import _

from crm_suite.marketing import unsubscribe

no_cache = 1


def get_context(context):
	token = frappe.form_dict.get("token") or ""
	try:
		unsubscribe.parse_token(token)
		if frappe.request and frappe.request.method == "POST":
			unsubscribe.honour(token)
			frappe.db.commit()
			context.done = True
	except unsubscribe.InvalidUnsubscribeToken:
		raise frappe.PageDoesNotExistError(_("This unsubscribe link is not valid.")) from None
	context.token = token
	context.title = _("Unsubscribe")
	return context
