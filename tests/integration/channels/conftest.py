"""Channels tests: a fake SMS gateway and a fake Graph API served on loopback by the tests themselves (real
HTTP), the site's settings pointed at them and put back afterwards (the webhook tests commit: a live server
answers them)."""

import json
import random
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import frappe
import pytest
from frappe.model import no_value_fields, table_fields

from tests.integration.factories import delete_for_good
from tests.integration.loopback import HttpServer

SMS_TOKEN = "sms-webhook-s3cret"
APP_SECRET = "meta-app-s3cret"
VERIFY_TOKEN = "verify-me"
ACCESS_TOKEN = "graph-access-token"
PHONE_NUMBER_ID = "109876543210"


def _tiny_jpeg() -> bytes:
	from io import BytesIO

	from PIL import Image

	out = BytesIO()
	Image.new("RGB", (4, 4), (200, 30, 30)).save(out, "JPEG")
	return out.getvalue()


MEDIA = _tiny_jpeg()
CORRUPT_JPEG = MEDIA[:20]  # a JPEG cut short: Frappe can't read it as an image
PASSWORDS = {
	"Contact Center Settings": ("sms_webhook_token",),
	"WhatsApp Settings": ("access_token", "app_secret", "verify_token"),
	"SMS Settings": (),
}


def interactions(number: str, *fields: str) -> list:
	"""The number's Interactions, oldest first, in a fresh snapshot (the server committed them)."""
	frappe.db.rollback()
	return frappe.get_all(
		"Interaction",
		filters={"normalised_phone": number},
		fields=[
			"name",
			"direction",
			"channel",
			"reference_doctype",
			"reference_name",
			"delivery_status",
			"message_id",
			*fields,
		],
		order_by="creation",
	)


def italian_mobile() -> str:
	return f"+39333{random.randint(1000000, 9999999)}"


class Recorder(BaseHTTPRequestHandler):
	"""Keeps every request (method, path, headers, body) in `self.server.requests`."""

	def log_message(self, *args):
		pass

	def _record(self) -> dict:
		length = int(self.headers.get("Content-Length") or 0)
		body = self.rfile.read(length) if length else b""
		row = {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
		with self.server.lock:
			self.server.requests.append(row)
		return row

	def _send(self, status: int, body: bytes, content_type="application/json"):
		self.send_response(status)
		self.send_header("Content-Type", content_type)
		self.send_header("Content-Length", str(len(body)))
		self.end_headers()
		self.wfile.write(body)


class SmsGateway(Recorder):
	"""Any HTTP SMS gateway: accepts a form POST with `to` and `text`; 500 when told to fail."""

	def do_POST(self):
		row = self._record()
		fields = {k: v[0] for k, v in parse_qs(row["body"].decode()).items()}
		row["fields"] = fields
		if self.server.fail:
			self._send(500, b'{"error": "gateway down"}')
		else:
			self._send(200, b'{"accepted": true}')


class GraphApi(Recorder):
	"""The WhatsApp Cloud API's shape: POST /{version}/{phone id}/messages → a wamid; GET /{version}/{media
	id} → a media URL; GET that URL → the bytes. Every call must carry the access token."""

	def _authorised(self) -> bool:
		if self.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
			self._send(401, b'{"error": {"message": "Invalid OAuth access token"}}')
			return False
		return True

	def do_POST(self):
		row = self._record()
		if not self._authorised():
			return
		if urlsplit(self.path).path != f"/v21.0/{PHONE_NUMBER_ID}/messages":
			return self._send(404, b"{}")
		row["json"] = body = json.loads(row["body"])
		if body.get("to") in self.server.refuse:
			return self._send(400, b'{"error": {"message": "Recipient phone number not in allowed list"}}')
		if body.get("type") == "template" and body["template"]["name"] == "not_approved":
			return self._send(
				400, b'{"error": {"message": "Template name does not exist in the translation"}}'
			)
		wamid = f"wamid.{frappe.generate_hash(length=24)}"
		self._send(200, json.dumps({"messages": [{"id": wamid}]}).encode())

	def do_GET(self):
		self._record()
		if not self._authorised():
			return
		path = urlsplit(self.path).path
		if path.startswith("/v21.0/media-"):
			media_id = path.rsplit("/", 1)[1]
			url = f"{self.server.base}/download/{media_id}"
			return self._send(200, json.dumps({"url": url, "mime_type": "image/jpeg"}).encode())
		if path == "/download/media-corrupt":
			return self._send(200, CORRUPT_JPEG, "image/jpeg")
		if path.startswith("/download/"):
			return self._send(200, MEDIA, "image/jpeg")
		self._send(404, b"{}")


def _serve(handler):
	server = HttpServer(handler)
	server.server.requests = []
	server.server.lock = threading.Lock()
	server.server.fail = False
	server.server.refuse = set()
	server.server.base = server.url
	return server


def _snapshot(doctype: str) -> tuple[dict, list]:
	doc = frappe.get_single(doctype)
	values = {
		f.fieldname: doc.get(f.fieldname)
		for f in doc.meta.fields
		if f.fieldtype not in no_value_fields and f.fieldtype != "Password"
	}
	tables = {
		f.fieldname: [r.as_dict() for r in doc.get(f.fieldname)]
		for f in doc.meta.fields
		if f.fieldtype in table_fields
	}
	auth = frappe.db.sql(
		"select * from `__Auth` where doctype = %s and name = %s", (doctype, doctype), as_dict=True
	)
	return {**values, **tables}, auth


def _restore(doctype: str, values: dict, auth: list) -> None:
	for key, value in values.items():
		if isinstance(value, list):
			frappe.db.delete(frappe.get_meta(doctype).get_field(key).options, {"parent": doctype})
			for row in value:
				frappe.get_doc(row).db_insert()
		else:
			frappe.db.set_single_value(doctype, key, value)
	frappe.db.sql("delete from `__Auth` where doctype = %s and name = %s", (doctype, doctype))
	for row in auth:
		frappe.db.sql(
			"insert into `__Auth` (doctype, name, fieldname, password, encrypted) values (%s, %s, %s, %s, %s)",
			(row.doctype, row.name, row.fieldname, row.password, row.encrypted),
		)


@pytest.fixture
def channels(committed):
	"""Both fakes running, SMS Settings, Contact Center Settings and WhatsApp Settings pointed at them
	(committed); afterwards the settings are put back and everything the conversation made is deleted."""
	frappe.db.rollback()
	snapshots = {d: _snapshot(d) for d in PASSWORDS}
	gateway, graph = _serve(SmsGateway), _serve(GraphApi)
	with gateway, graph:
		sms = frappe.get_single("SMS Settings")
		sms.sms_gateway_url = gateway.url + "/send"
		sms.message_parameter = "text"
		sms.receiver_parameter = "to"
		sms.use_post = 1
		sms.set("parameters", [{"parameter": "api_key", "value": "gw-key"}])
		sms.save()
		cc = frappe.get_single("Contact Center Settings")
		cc.default_region = "IT"
		cc.sms_webhook_token = SMS_TOKEN
		cc.sms_reference_parameter = "ref"
		cc.sms_unknown_sender = "Create a Lead"
		cc.whatsapp_unknown_sender = "Create a Ticket"
		cc.save()
		wa = frappe.get_single("WhatsApp Settings")
		wa.update(
			{
				"enabled": 1,
				"graph_base_url": graph.url,
				"api_version": "v21.0",
				"phone_number_id": PHONE_NUMBER_ID,
				"access_token": ACCESS_TOKEN,
				"app_secret": APP_SECRET,
				"verify_token": VERIFY_TOKEN,
			}
		)
		wa.save()
		frappe.db.commit()
		numbers: list[str] = []
		yield frappe._dict(gateway=gateway.server, graph=graph.server, numbers=numbers)
	frappe.db.rollback()
	frappe.set_user("Administrator")
	try:
		_cleanup(numbers)
		frappe.db.commit()
	finally:
		frappe.db.rollback()
		for doctype, (values, auth) in snapshots.items():
			_restore(doctype, values, auth)
		frappe.db.commit()
		frappe.clear_cache()


def store_inbox() -> int:
	"""The inbox job (crm_suite.crm.messaging_inbox.process_inbox) run here as the worker runs it: as the
	webhook's user, Guest. It commits, and reads afresh."""
	from crm_suite.crm.messaging_inbox import process_inbox

	user = frappe.session.user
	frappe.db.rollback()
	frappe.set_user("Guest")
	try:
		return process_inbox()
	finally:
		frappe.set_user(user)


def _cleanup(numbers: list[str]) -> None:
	"""Everything a conversation with these numbers made: interactions (and their files), the leads and
	tickets made for unknown numbers (and their assignments), consents."""
	for number in numbers:
		rows = frappe.get_all(
			"Interaction",
			filters={"normalised_phone": number},
			fields=["name", "reference_doctype", "reference_name"],
		)
		made = {
			(r.reference_doctype, r.reference_name) for r in rows if r.reference_doctype in ("Lead", "Ticket")
		}
		for r in rows:
			for f in frappe.get_all(
				"File", {"attached_to_doctype": "Interaction", "attached_to_name": r.name}, pluck="name"
			):
				delete_for_good("File", f)
			frappe.db.delete("Interaction", {"name": r.name})
		for doctype, name in made:
			if doctype == "Lead" and frappe.db.get_value("Lead", name, "mobile_no") != number:
				continue  # a lead the test made itself: its `committed` cleanup removes it
			if doctype == "Ticket" and not (frappe.db.get_value("Ticket", name, "subject") or "").endswith(
				number
			):
				continue
			frappe.db.delete("ToDo", {"reference_type": doctype, "reference_name": name})
			frappe.db.delete("Notification Log", {"document_type": doctype, "document_name": name})
			delete_for_good(doctype, name)
		frappe.db.delete("Channel Consent", {"phone": number})
		frappe.db.delete("Channel Inbox", {"phone_number": ("like", f"%{number[-7:]}")})
