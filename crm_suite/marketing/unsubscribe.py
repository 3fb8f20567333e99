"""One-click unsubscribe for campaign emails (RFC 2369 `List-Unsubscribe`, RFC 8058 `List-Unsubscribe-Post`).

Gmail and Yahoo require both headers of bulk senders. Every campaign email is queued for one recipient
(crm_suite.marketing.outreach), so its Email Queue message gets the two headers for that recipient:

    List-Unsubscribe:
     <https://crm.example.com/unsub/3fa81c2d9e.9b1c0e7d55aa01f2c3d4>
    List-Unsubscribe-Post: List-Unsubscribe=One-Click

The URL names the recipient's Campaign Send Log row and carries an HMAC of it (the site's encryption key),
so nobody can unsubscribe anybody else by guessing. A POST to it (what the mailbox provider sends, without a
login or cookies) records an Email Unsubscribe for the campaign, exactly as Frappe's in-body link does, and
answers 200; replays change nothing. A GET only shows a page with a button that POSTs (link scanners and
previews open URLs; RFC 8058 says a GET must not unsubscribe). The in-body link stays Frappe's own.

The URL sits on its own header line: Frappe parses and re-serialises the queued message before sending
(policy SMTP, 78 characters per line), and a longer line would be re-encoded as RFC 2047 words that no
mailbox reads as a URL. A URL that still doesn't fit is split with folding white space inside the angle
brackets, which RFC 2369 tells clients to ignore.
"""

import hashlib
import hmac
import re
from contextlib import contextmanager

import frappe
from frappe import _
from frappe.utils import get_url
from frappe.utils.password import get_encryption_key

ROUTE = "unsub"  # /unsub/<token> (hooks: website_route_rules)
LOG = "Campaign Send Log"
SIGNATURE_LENGTH = 20
MAX_LINE = 78  # email.policy.SMTP.max_line_length: longer header lines are re-encoded by Frappe's send
TOKEN_RE = re.compile(rf"^([0-9A-Za-z]{{1,140}})\.([0-9a-f]{{{SIGNATURE_LENGTH}}})$")


class InvalidUnsubscribeToken(frappe.ValidationError):
	http_status_code = 404


def _signature(log_name: str) -> str:
	key = get_encryption_key().encode()
	return hmac.new(key, f"campaign-unsubscribe:{log_name}".encode(), hashlib.sha256).hexdigest()[
		:SIGNATURE_LENGTH
	]


def make_token(log_name: str) -> str:
	return f"{log_name}.{_signature(log_name)}"


def one_click_url(log_name: str) -> str:
	return get_url(f"/{ROUTE}/{make_token(log_name)}")


def parse_token(token: str | None) -> str:
	"""The send log name a token signs; InvalidUnsubscribeToken when it is malformed or forged."""
	match = TOKEN_RE.match((token or "").strip())
	if not match or not hmac.compare_digest(match.group(2), _signature(match.group(1))):
		raise InvalidUnsubscribeToken(_("This unsubscribe link is not valid."))
	return match.group(1)


def list_unsubscribe_headers(url: str, max_line: int = MAX_LINE) -> str:
	"""The two header lines (CRLF-free, `\\n` separated) for `url`, every line at most `max_line` long.

	The URL goes on a continuation line of its own; one longer than a line is split inside the angle
	brackets with folding white space (RFC 2369: clients ignore white space within the brackets)."""
	if any(c.isspace() or c in "<>" for c in url):
		raise ValueError("not a URL: " + url)
	value = f"<{url}>"
	width = max_line - 1  # the leading space of a continuation line
	pieces = [value[i : i + width] for i in range(0, len(value), width)]
	lines = [
		"List-Unsubscribe:",
		*(" " + p for p in pieces),
		"List-Unsubscribe-Post: List-Unsubscribe=One-Click",
	]
	return "\n".join(lines)


def add_headers_to_message(message: str, headers: str) -> str:
	"""The MIME text with `headers` appended to its header block (before the first blank line)."""
	newline = "\r\n" if "\r\n" in message.split("\n\n", 1)[0] else "\n"
	end = message.find(newline * 2)
	if end < 0:
		raise ValueError("no header block")
	return message[:end] + newline + headers.replace("\n", newline) + message[end:]


def add_list_unsubscribe(queue_name: str, log_name: str) -> None:
	"""Give a queued campaign email the one-click headers for its recipient's send log row."""
	message = frappe.db.get_value("Email Queue", queue_name, "message")
	if not message or "\nList-Unsubscribe:" in message:
		return
	headers = list_unsubscribe_headers(one_click_url(log_name))
	frappe.db.set_value(
		"Email Queue", queue_name, "message", add_headers_to_message(message, headers), update_modified=False
	)


def honour(token: str) -> dict:
	"""Record the unsubscribe a token stands for (idempotent): Frappe's Email Unsubscribe for the campaign,
	which the outreach and Frappe's queue both honour. Returns {"email", "campaign"}."""
	log_name = parse_token(token)
	row = frappe.db.get_value(LOG, log_name, ["recipient", "campaign"], as_dict=True)
	if not row:
		raise InvalidUnsubscribeToken(_("This unsubscribe link is not valid."))
	if not frappe.db.exists(
		"Email Unsubscribe",
		{"email": row.recipient, "reference_doctype": "Campaign", "reference_name": row.campaign},
	):
		try:
			frappe.get_doc(
				{
					"doctype": "Email Unsubscribe",
					"email": row.recipient,
					"reference_doctype": "Campaign",
					"reference_name": row.campaign,
				}
			).insert(ignore_permissions=True)
		except frappe.DuplicateEntryError:
			pass  # a concurrent POST for the same link recorded it
	return {"email": row.recipient, "campaign": row.campaign}
