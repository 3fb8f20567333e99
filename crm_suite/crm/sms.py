"""SMS through Frappe's own SMS Settings (any HTTP gateway), and a webhook the gateway calls.

Out: `send(number, text)` posts through the gateway configured in SMS Settings (Frappe's `send_request`,
with its headers and static parameters; Frappe 15 has no SMS Log doctype: the Interaction is the log). Our message id
goes along in the parameter named by Contact Center Settings › SMS Reference Parameter (when set), so the
gateway's delivery reports can name it.

In: POST /api/method/crm_suite.crm.sms.inbound with header X-Webhook-Token (Contact Center Settings ›
SMS Webhook Token) and JSON or form fields
    {"message_id": "gw-123", "from": "+39 333 1234567", "text": "Hello", "timestamp": "2026-12-05 10:00:00"}
→ {"status": "queued"|"duplicate", "message_id": …}: the message is stored in the Channel Inbox and a
`short`-queue job matches it and stores its Interaction (crm_suite.crm.messaging_inbox); delivery reports:
POST /api/method/crm_suite.crm.sms.status {"message_id": "<our id>", "status": "delivered", "error": ""}.
No token → 401, a wrong one → 403, a malformed payload → 400; nothing is stored in any of these cases.
"""

import hashlib
import hmac

import frappe
from frappe import _
from frappe.core.doctype.sms_settings.sms_settings import get_headers, send_request
from frappe.utils import get_datetime

from crm_suite.crm import messaging
from crm_suite.crm.messaging_inbox import queue_inbound
from crm_suite.crm.messaging_rules import SMS_STATUS_WORDS

FIELD_LENGTH = 140
# the Channel Inbox row is named "SMS:<message id>" (140 characters at most): a longer id would be cut by
# the insert, and two ids alike in their first 136 characters would be stored as one
MESSAGE_ID_LENGTH = FIELD_LENGTH - len("SMS:")
TEXT_LENGTH = 5000


def send(number: str, text: str) -> str:
	"""Send one SMS through SMS Settings; returns our message id. A gateway that refuses → a clear error."""
	ss = frappe.get_doc("SMS Settings")
	if not ss.sms_gateway_url:
		frappe.throw(_("Set up SMS Settings (the gateway URL) first."), title=_("No SMS Gateway"))
	message_id = frappe.generate_hash(length=20)
	headers = get_headers(ss)
	params = {ss.message_parameter: text, ss.receiver_parameter: number}
	for row in ss.get("parameters"):
		if not row.header:
			params[row.parameter] = row.value
	reference = messaging.settings().sms_reference_parameter
	if reference:
		params[reference] = message_id
	try:
		send_request(
			ss.sms_gateway_url,
			params,
			headers,
			ss.use_post,
			headers.get("Content-Type") == "application/json",
		)
	except Exception as e:
		frappe.log_error(title=_("SMS to {0} failed").format(number))
		frappe.throw(
			_("The SMS gateway refused the message: {0}").format(str(e)[:200]), title=_("SMS Not Sent")
		)
	return message_id


# {site: (the settings' `modified`, SHA-256 of the configured token or None)}, per web worker process
_token_digests: dict[str, tuple[str, bytes | None]] = {}


def token_digest() -> bytes | None:
	"""SHA-256 of the configured token, kept in the process while Contact Center Settings are unchanged:
	saving them changes their `modified` (read per message anyway, from Frappe's document cache), so a
	new token applies to the next request, and a request reads neither `__Auth` nor decrypts."""
	modified = str(messaging.settings().modified)
	cached = _token_digests.get(frappe.local.site)
	if cached and cached[0] == modified:
		return cached[1]
	expected = frappe.utils.password.get_decrypted_password(
		messaging.SETTINGS, messaging.SETTINGS, "sms_webhook_token", raise_exception=False
	)
	digest = hashlib.sha256(expected.encode()).digest() if expected else None
	_token_digests[frappe.local.site] = (modified, digest)
	return digest


def check_token() -> None:
	"""401 without a token, 403 with a wrong one (or when none is configured)."""
	token = (frappe.get_request_header("X-Webhook-Token") or "").strip()
	if not token:
		raise frappe.AuthenticationError(_("The SMS webhook needs a token."))
	expected = token_digest()
	if not expected or not hmac.compare_digest(hashlib.sha256(token.encode()).digest(), expected):
		raise frappe.PermissionError(_("The SMS webhook token is not valid."))


def _field(payload: dict, key: str, required: bool = True, length: int = FIELD_LENGTH) -> str:
	value = payload.get(key)
	if value is None or isinstance(value, dict | list):
		value = ""
	value = str(value).strip()
	if required and not value:
		frappe.throw(_("The SMS payload needs {0}.").format(key), messaging.MessagePayloadError)
	if len(value) > length:
		frappe.throw(_("{0} is too long.").format(key), messaging.MessagePayloadError)
	return value


def parse_inbound(payload: dict) -> frappe._dict:
	p = frappe._dict(
		message_id=_field(payload, "message_id", length=MESSAGE_ID_LENGTH),
		number=_field(payload, "from"),
		text=_field(payload, "text", required=False, length=TEXT_LENGTH),
	)
	raw_time = _field(payload, "timestamp", required=False)
	try:
		p.timestamp = get_datetime(raw_time) if raw_time else None
	except Exception:
		frappe.throw(
			_("timestamp is not a date and time: {0}").format(raw_time), messaging.MessagePayloadError
		)
	if p.timestamp and p.timestamp.tzinfo:
		p.timestamp = p.timestamp.replace(tzinfo=None)
	return p


def _payload() -> dict:
	return {k: v for k, v in frappe.form_dict.items() if k != "cmd"}


@frappe.whitelist(allow_guest=True, methods=["POST"])
def inbound(**kwargs) -> dict:
	check_token()
	p = parse_inbound(_payload())
	return queue_inbound("SMS", p.message_id, p.number, p.text, p.timestamp)


@frappe.whitelist(allow_guest=True, methods=["POST"])
def status(**kwargs) -> dict:
	check_token()
	payload = _payload()
	message_id = _field(payload, "message_id")
	word = _field(payload, "status").lower()
	if word not in SMS_STATUS_WORDS:
		frappe.throw(_("Unknown SMS status {0}.").format(word), messaging.MessagePayloadError)
	error = _field(payload, "error", required=False, length=1000)
	return messaging.record_status("SMS", message_id, SMS_STATUS_WORDS[word], error)
