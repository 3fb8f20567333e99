"""Pure rules of SMS and WhatsApp conversations (no database): tested in tests/unit/crm/test_messaging_rules.py."""

import hashlib
import hmac
import re
from datetime import datetime, timedelta

CHANNELS = ("SMS", "WhatsApp")
# delivery statuses only move forward (webhooks arrive out of order); Failed ends a message not yet Read
STATUS_RANK = {"": -1, "Queued": 0, "Sent": 1, "Delivered": 2, "Read": 3, "Failed": 4}
WINDOW = timedelta(hours=24)  # WhatsApp: free-form replies within 24 hours of the customer's last message
# What a customer writes to stop or restart messages (the carriers' and WhatsApp's usual words, also in
# Italian and Bosnian); the whole message, case and surrounding punctuation ignored.
OPT_OUT_WORDS = frozenset(
	{"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "BASTA", "CANCELLA", "ODJAVA"}
)
OPT_IN_WORDS = frozenset({"START", "UNSTOP", "SUBSCRIBE", "OPTIN", "PRIJAVA"})
_NOT_WORD = re.compile(r"[^A-Z]")

# Gateways' delivery report words → our delivery statuses
SMS_STATUS_WORDS = {
	"queued": "Queued",
	"accepted": "Sent",
	"sent": "Sent",
	"enroute": "Sent",
	"buffered": "Sent",
	"delivered": "Delivered",
	"delivrd": "Delivered",
	"read": "Read",
	"failed": "Failed",
	"undelivered": "Failed",
	"undeliv": "Failed",
	"rejected": "Failed",
	"rejectd": "Failed",
	"expired": "Failed",
}
WHATSAPP_STATUS_WORDS = {"sent": "Sent", "delivered": "Delivered", "read": "Read", "failed": "Failed"}


def conversation_key(channel: str, number: str | None) -> str | None:
	"""The thread a message belongs to: its channel and the customer's number (E.164, or as given)."""
	return f"{channel}:{number}" if number else None


def next_delivery_status(current: str | None, new: str) -> str:
	"""The status after a report of `new`: never backwards (a late "sent" after "read" changes nothing)."""
	current = current or ""
	return new if STATUS_RANK.get(new, -1) > STATUS_RANK.get(current, -1) else current


def consent_keyword(text: str | None) -> str | None:
	"""'Opted Out' for STOP (and its kin), 'Opted In' for START, else None; only a message that is just
	the word counts ("stop!" does, "please don't stop" doesn't)."""
	word = _NOT_WORD.sub("", (text or "").strip().upper())
	if not word or len((text or "").split()) > 1:
		return None
	if word in OPT_OUT_WORDS:
		return "Opted Out"
	if word in OPT_IN_WORDS:
		return "Opted In"
	return None


def within_window(last_inbound: datetime | None, now: datetime) -> bool:
	"""Whether a free-form WhatsApp reply is allowed: the customer wrote within the last 24 hours."""
	return bool(last_inbound) and now - last_inbound < WINDOW


def hub_signature(secret: str, body: bytes) -> str:
	"""The X-Hub-Signature-256 value Meta sends: sha256=HMAC-SHA256(app secret, raw body) in hex."""
	return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(secret: str | None, body: bytes, header: str | None) -> bool:
	if not secret or not header:
		return False
	return hmac.compare_digest(hub_signature(secret, body), header.strip())


def whatsapp_digits(e164: str) -> str:
	"""WhatsApp writes numbers without the plus: +393331234567 → 393331234567."""
	return e164.lstrip("+")


def template_components(params: list | None) -> list[dict]:
	"""The Cloud API's `components` for a template whose body takes these text parameters ({{1}}, {{2}}…)."""
	if not params:
		return []
	return [{"type": "body", "parameters": [{"type": "text", "text": str(p)} for p in params]}]
