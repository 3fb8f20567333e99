"""WhatsApp through the WhatsApp Business Cloud API (Meta's Graph API), configured in WhatsApp Settings.

Out (`send_template`, `send_text`): POST {base}/{version}/{phone number id}/messages with the access token;
the answer's `messages[0].id` (a wamid) is the message's id. Approved templates go out with their body
parameters; free-form text only inside the 24-hour window (crm_suite.crm.messaging.send_message checks it).

Webhook: /api/method/crm_suite.crm.whatsapp.webhook
- GET (Meta's subscription check): hub.mode=subscribe, hub.verify_token = the Verify Token → the
  hub.challenge as plain text; anything else 403.
- POST: the raw body must carry X-Hub-Signature-256 = sha256=HMAC-SHA256(App Secret, body): none → 401,
  a wrong one → 403. The whole payload is read and checked before anything is stored (malformed → 400,
  nothing stored). Messages (`value.messages`) are stored once per wamid; media (image, audio, video,
  document, sticker) is fetched from the Graph API (GET /{media id} → url, then the url with the token) and
  stored as a private File on the Interaction. Statuses (`value.statuses`: sent, delivered, read, failed)
  move the outbound message's delivery status forward.
"""

import hmac
import json
import mimetypes
from datetime import datetime

import frappe
import requests
from frappe import _
from frappe.utils.password import get_decrypted_password
from werkzeug.wrappers import Response

from crm_suite.crm import messaging
from crm_suite.crm.messaging_rules import (
	WHATSAPP_STATUS_WORDS,
	signature_matches,
	template_components,
	whatsapp_digits,
)

SETTINGS = "WhatsApp Settings"
MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")
TIMEOUT = 20
MAX_MEDIA_BYTES = 25 * 1024 * 1024


class WhatsAppError(frappe.ValidationError):
	pass


def config() -> frappe._dict:
	s = frappe._dict(frappe.db.get_singles_dict(SETTINGS))
	s.base = (s.graph_base_url or "https://graph.facebook.com").rstrip("/")
	s.version = (s.api_version or "v21.0").strip("/")
	return s


def _secret(field: str) -> str | None:
	return get_decrypted_password(SETTINGS, SETTINGS, field, raise_exception=False)


def _auth() -> dict:
	return {"Authorization": f"Bearer {_secret('access_token') or ''}"}


# ---------------------------------------------------------------- out


def _post_message(body: dict) -> str:
	s = config()
	if not s.enabled or not s.phone_number_id:
		frappe.throw(_("Set up and enable WhatsApp Settings first."), title=_("WhatsApp Not Set Up"))
	url = f"{s.base}/{s.version}/{s.phone_number_id}/messages"
	try:
		r = requests.post(
			url, json={"messaging_product": "whatsapp", **body}, headers=_auth(), timeout=TIMEOUT
		)
		data = r.json() if r.content else {}
	except (requests.RequestException, ValueError) as e:
		frappe.log_error(title=_("WhatsApp message not sent"))
		frappe.throw(_("WhatsApp could not be reached: {0}").format(str(e)[:200]), title=_("Not Sent"))
	if not r.ok or not (data.get("messages") or [{}])[0].get("id"):
		error = (data.get("error") or {}).get("message") or r.text[:200]
		frappe.throw(_("WhatsApp refused the message: {0}").format(error), title=_("Not Sent"))
	return data["messages"][0]["id"]


def send_text(e164: str, text: str) -> str:
	return _post_message(
		{"to": whatsapp_digits(e164), "type": "text", "text": {"body": text, "preview_url": False}}
	)


def send_template(e164: str, template: str, params: list, language: str | None = None) -> str:
	return _post_message(
		{
			"to": whatsapp_digits(e164),
			"type": "template",
			"template": {
				"name": template,
				"language": {"code": language or frappe.local.lang or "en"},
				"components": template_components(params),
			},
		}
	)


def fetch_media(media_id: str, mime_type: str | None, file_name: str | None) -> tuple[str, bytes]:
	s = config()
	try:
		meta = requests.get(f"{s.base}/{s.version}/{media_id}", headers=_auth(), timeout=TIMEOUT)
		meta.raise_for_status()
		info = meta.json()
		content = requests.get(info["url"], headers=_auth(), timeout=TIMEOUT)
		content.raise_for_status()
	except (requests.RequestException, ValueError, KeyError, TypeError) as e:
		# the message is kept without its media only if the whole webhook call is retried later: fail it
		raise WhatsAppError(_("WhatsApp media {0} could not be fetched: {1}").format(media_id, e)) from e
	if len(content.content) > MAX_MEDIA_BYTES:
		raise WhatsAppError(_("WhatsApp media {0} is too large.").format(media_id))
	extension = mimetypes.guess_extension((mime_type or info.get("mime_type") or "").split(";")[0]) or ""
	return (file_name or f"whatsapp-{media_id}{extension}"), content.content


# ---------------------------------------------------------------- webhook


def _bad(message: str):
	frappe.throw(message, messaging.MessagePayloadError)


def parse_webhook(payload) -> tuple[list[dict], list[dict]]:
	"""The messages and statuses of a webhook body, checked before anything is stored; malformed → 400."""
	if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
		_bad(_("Not a WhatsApp Business Account webhook."))
	entries = payload.get("entry")
	if not isinstance(entries, list):
		_bad(_("The webhook has no entries."))
	messages, statuses = [], []
	for entry in entries:
		changes = entry.get("changes") if isinstance(entry, dict) else None
		if not isinstance(changes, list):
			_bad(_("An entry has no changes."))
		for change in changes:
			value = change.get("value") if isinstance(change, dict) else None
			if not isinstance(value, dict):
				_bad(_("A change has no value."))
			if not isinstance(value.get("messages") or [], list) or not isinstance(
				value.get("statuses") or [], list
			):
				_bad(_("messages and statuses must be lists."))
			for m in value.get("messages") or []:
				messages.append(_parse_message(m))
			for st in value.get("statuses") or []:
				statuses.append(_parse_status(st))
	return messages, statuses


def _text(value, key: str, required=True, length=140) -> str:
	v = value.get(key) if isinstance(value, dict) else None
	if v is None or isinstance(v, dict | list):
		v = ""
	v = str(v).strip()
	if required and not v:
		_bad(_("The WhatsApp payload needs {0}.").format(key))
	if len(v) > length:
		_bad(_("{0} is too long.").format(key))
	return v


def _timestamp(value) -> datetime | None:
	raw = _text(value, "timestamp", required=False)
	if not raw:
		return None
	if not raw.isdigit():
		_bad(_("timestamp is not a Unix time: {0}").format(raw))
	from frappe.utils import convert_utc_to_system_timezone

	try:
		utc = datetime.utcfromtimestamp(int(raw))
	except (OverflowError, OSError, ValueError):  # beyond the years Python's datetime holds
		_bad(_("timestamp is not a Unix time: {0}").format(raw))
	return convert_utc_to_system_timezone(utc).replace(tzinfo=None)


def _parse_message(m) -> dict:
	if not isinstance(m, dict):
		_bad(_("A message is not an object."))
	kind = _text(m, "type")
	p = {
		"id": _text(m, "id", length=180),
		"from": _text(m, "from", length=40),
		"type": kind,
		"timestamp": _timestamp(m),
		"text": "",
		"media": None,
	}
	if kind == "text":
		p["text"] = _text(m.get("text"), "body", length=5000)
	elif kind in MEDIA_TYPES:
		media = m.get(kind)
		p["media"] = {
			"id": _text(media, "id", length=180),
			"mime_type": _text(media, "mime_type", required=False),
			"file_name": _text(media, "filename", required=False, length=200) or None,
		}
		p["text"] = _text(media, "caption", required=False, length=5000)
	elif kind == "button":
		p["text"] = _text(m.get("button"), "text", required=False, length=5000)
	elif kind == "interactive":
		reply = (m.get("interactive") or {}) if isinstance(m.get("interactive"), dict) else {}
		chosen = reply.get("button_reply") or reply.get("list_reply") or {}
		p["text"] = _text(chosen, "title", required=False, length=5000)
	return p


def _parse_status(st) -> dict:
	if not isinstance(st, dict):
		_bad(_("A status is not an object."))
	word = _text(st, "status").lower()
	if word not in WHATSAPP_STATUS_WORDS:
		_bad(_("Unknown WhatsApp status {0}.").format(word))
	errors = st.get("errors") if isinstance(st.get("errors"), list) else []
	error = "; ".join(
		f"{e.get('code', '')} {e.get('title') or e.get('message') or ''}".strip()
		for e in errors
		if isinstance(e, dict)
	)
	return {"id": _text(st, "id", length=180), "status": WHATSAPP_STATUS_WORDS[word], "error": error}


def _verify_subscription() -> Response:
	args = frappe.form_dict
	expected = _secret("verify_token")
	token = args.get("hub.verify_token") or ""
	if (
		args.get("hub.mode") == "subscribe"
		and expected
		and token
		and hmac.compare_digest(token.encode(), expected.encode())
	):
		return Response(str(args.get("hub.challenge") or ""), status=200, mimetype="text/plain")
	return Response("Forbidden", status=403, mimetype="text/plain")


@frappe.whitelist(allow_guest=True, methods=["GET", "POST"])
def webhook(**kwargs):
	if frappe.request.method == "GET":
		return _verify_subscription()
	signature = frappe.get_request_header("X-Hub-Signature-256")
	if not signature:
		raise frappe.AuthenticationError(_("The WhatsApp webhook needs a signature."))
	body = frappe.request.get_data(cache=True)
	if not signature_matches(_secret("app_secret"), body, signature):
		raise frappe.PermissionError(_("The WhatsApp webhook signature is not valid."))
	try:
		payload = json.loads(body)
	except ValueError:
		_bad(_("The WhatsApp webhook body is not JSON."))
	messages, statuses = parse_webhook(payload)
	results = []
	for m in messages:
		media = m["media"]
		fetch = (
			(lambda media=media: [fetch_media(media["id"], media["mime_type"], media["file_name"])])
			if media
			else None
		)
		results.append(
			messaging.record_inbound(
				"WhatsApp", m["id"], "+" + m["from"].lstrip("+"), m["text"], m["timestamp"], m["type"], fetch
			)
		)
	for st in statuses:
		results.append(messaging.record_status("WhatsApp", st["id"], st["status"], st["error"]))
	return {"results": results}
