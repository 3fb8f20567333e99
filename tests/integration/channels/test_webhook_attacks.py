"""The inbound webhooks attacked over HTTP (a live server): what the gateway or an impostor may send that the
happy-path tests don't. Each is refused with a 4xx and a message and stores nothing, or, at once from 16
clients, is stored exactly once with no 5xx; the Channel Inbox (phone numbers and texts) stays closed to
Guest and staff outside CRM/System Manager through every list door.

Failed on the code before the fix: an SMS id of 137 to 140 characters was cut to fit the inbox row's name
(two such ids alike in their first 136 characters: the second answered "duplicate" and was lost), a
WhatsApp timestamp past year 9999 was a 500, and a webhook body over 1 MiB was read and answered as any."""

import json
from concurrent.futures import ThreadPoolExecutor

import frappe
import requests

from tests.integration.channels.conftest import SMS_TOKEN, italian_mobile, store_inbox
from tests.integration.channels.test_whatsapp import deliver, envelope, text_message
from tests.integration.factories import unique

CLIENTS = 16


def sms(server, payload: dict | None = None, token: str | None = SMS_TOKEN, body: bytes | None = None):
	headers = {"Host": server.host, "Content-Type": "application/json"}
	if token:
		headers["X-Webhook-Token"] = token
	data = body if body is not None else json.dumps(payload).encode()
	return requests.post(
		f"{server.url}/api/method/crm_suite.crm.sms.inbound", data=data, headers=headers, timeout=120
	)


def inbox(number: str) -> list[str]:
	frappe.db.rollback()
	return frappe.get_all("Channel Inbox", {"phone_number": number}, pluck="message_id")


def test_an_sms_id_the_inbox_cannot_hold_is_refused_and_two_long_ids_stay_two(channels, server):
	number = italian_mobile()
	channels.numbers.append(number)
	stem = unique("gw-").ljust(134, "x")
	too_long = sms(server, {"message_id": stem + "abc", "from": number, "text": "cut"})
	assert too_long.status_code == 400 and "message_id is too long" in too_long.text
	assert inbox(number) == []
	for tail in ("yy", "zz"):  # 136 characters: the longest id "SMS:<id>" fits the row's name
		r = sms(server, {"message_id": stem + tail, "from": number, "text": tail})
		assert r.status_code == 200 and r.json()["message"]["status"] == "queued", r.text
	assert sorted(inbox(number)) == [stem + "yy", stem + "zz"]


def test_an_oversized_webhook_body_is_refused_before_anything_is_stored(channels, server):
	number = italian_mobile()
	channels.numbers.append(number)
	padding = "p" * (1024 * 1024)
	for token in (SMS_TOKEN, None):  # with the token, and from anybody
		r = sms(server, {"message_id": unique(), "from": number, "text": "hi", "padding": padding}, token)
		assert r.status_code == 413, r.text[:300]
	payload = envelope([text_message(number, "hi")])
	payload["padding"] = padding
	r = deliver(server, payload)  # signed as Meta would sign it
	assert r.status_code == 413, r.text[:300]
	assert inbox(number) == []
	assert not frappe.db.exists("Interaction", {"normalised_phone": number})


def test_a_whatsapp_timestamp_past_any_date_is_a_400(channels, server):
	number = italian_mobile()
	channels.numbers.append(number)
	message = text_message(number, "from the future")
	message["timestamp"] = "99999999999999"
	r = deliver(server, envelope([message]))
	assert r.status_code == 400 and "timestamp is not a Unix time" in r.text, r.text[:300]
	frappe.db.rollback()
	assert not frappe.db.exists("Interaction", {"normalised_phone": number})


def test_sixteen_deliveries_of_one_message_at_once_store_it_once(channels, server):
	sms_number, wa_number = italian_mobile(), italian_mobile()
	channels.numbers += [sms_number, wa_number]
	sms_message = {"message_id": unique("gw-"), "from": sms_number, "text": "once"}
	wa_payload = envelope([text_message(wa_number, "once")])
	with ThreadPoolExecutor(CLIENTS) as pool:
		sms_answers = list(pool.map(lambda _i: sms(server, sms_message), range(CLIENTS)))
		wa_answers = list(pool.map(lambda _i: deliver(server, wa_payload), range(CLIENTS)))
	assert [r.status_code for r in sms_answers + wa_answers] == [200] * 2 * CLIENTS
	assert sorted(r.json()["message"]["status"] for r in sms_answers) == ["duplicate"] * (CLIENTS - 1) + [
		"queued"
	]
	store_inbox()
	frappe.db.rollback()
	for number in (sms_number, wa_number):
		assert frappe.db.count("Interaction", {"normalised_phone": number}) == 1, number


def test_guest_and_staff_without_the_role_read_no_inbox_row(channels, server, guest_api, api_as):
	number = italian_mobile()
	channels.numbers.append(number)
	assert sms(server, {"message_id": unique("gw-"), "from": number, "text": "private"}).status_code == 200
	doctype = "Channel Inbox"
	calls = [
		("GET", f"/api/resource/{doctype}", {"params": {"fields": '["*"]'}}),
		("GET", f"/api/resource/{doctype}/SMS:x", {}),
		("POST", "/api/method/frappe.client.get_list", {"json": {"doctype": doctype, "fields": ["*"]}}),
		("POST", "/api/method/frappe.client.get_count", {"json": {"doctype": doctype}}),
		("POST", "/api/method/frappe.desk.reportview.get", {"json": {"doctype": doctype, "fields": ["*"]}}),
		("POST", "/api/method/frappe.desk.reportview.get_count", {"json": {"doctype": doctype}}),
		("POST", "/api/method/frappe.desk.search.search_link", {"json": {"doctype": doctype, "txt": ""}}),
	]
	for api in (guest_api, api_as("Sales User"), api_as("Support Agent"), api_as("Sales Manager")):
		for method, path, kwargs in calls:
			r = api.request(method, path, **kwargs)
			assert r.status_code in (401, 403, 404), (path, r.status_code, r.text[:200])
			assert number not in r.text and number[1:] not in r.text


def test_sixteen_first_messages_of_one_unknown_number_at_once_make_one_record(channels, server):
	"""Sixteen different messages from a number nobody knows, at once: one ticket (WhatsApp) or lead (SMS)
	for the number, every message stored once on it, no 5xx."""
	sms_number, wa_number = italian_mobile(), italian_mobile()
	channels.numbers += [sms_number, wa_number]
	with ThreadPoolExecutor(CLIENTS) as pool:
		answers = list(
			pool.map(
				lambda i: sms(server, {"message_id": unique("gw-"), "from": sms_number, "text": f"m{i}"}),
				range(CLIENTS),
			)
		)
		answers += list(
			pool.map(lambda i: deliver(server, envelope([text_message(wa_number, f"m{i}")])), range(CLIENTS))
		)
	assert [r.status_code for r in answers] == [200] * 2 * CLIENTS, [r.text[:200] for r in answers]
	store_inbox()
	frappe.db.rollback()
	for number in (sms_number, wa_number):
		rows = frappe.get_all(
			"Interaction", {"normalised_phone": number}, ["reference_doctype", "reference_name"]
		)
		assert len(rows) == CLIENTS, number
		assert len({(r.reference_doctype, r.reference_name) for r in rows}) == 1, rows
		assert rows[0].reference_name, rows
