"""WhatsApp (the Cloud API's shape, served by a fake Graph API on loopback): the subscription check, a
conversation from the first signed inbound message (unknown number → a routed ticket) and a photo stored as
a File, to the agent's free-form reply on the ticket (on the channel the customer used), to its delivery and
read statuses; templates with parameters outside the 24-hour window; bad signatures, replays and malformed
payloads refused with nothing stored."""

import json
import time

import frappe
import pytest
import requests

from crm_suite.crm.messaging_rules import hub_signature
from tests.integration.channels.conftest import (
	APP_SECRET,
	CORRUPT_JPEG,
	MEDIA,
	PHONE_NUMBER_ID,
	VERIFY_TOKEN,
	interactions,
	italian_mobile,
)
from tests.integration.factories import make_customer, make_user, unique

WEBHOOK = "/api/method/crm_suite.crm.whatsapp.webhook"
SEND = "/api/method/crm_suite.crm.messaging.send_message"


def envelope(messages=(), statuses=()) -> dict:
	value = {"messaging_product": "whatsapp", "metadata": {"phone_number_id": PHONE_NUMBER_ID}}
	if messages:
		value["messages"] = list(messages)
	if statuses:
		value["statuses"] = list(statuses)
	return {
		"object": "whatsapp_business_account",
		"entry": [{"id": "WABA-1", "changes": [{"field": "messages", "value": value}]}],
	}


def text_message(number: str, body: str, wamid: str | None = None) -> dict:
	return {
		"from": number.lstrip("+"),
		"id": wamid or f"wamid.{unique()}",
		"timestamp": str(int(time.time())),
		"type": "text",
		"text": {"body": body},
	}


def deliver(server, payload, secret: str | None = APP_SECRET, raw: bytes | None = None):
	body = raw if raw is not None else json.dumps(payload).encode()
	headers = {"Host": server.host, "Content-Type": "application/json"}
	if secret is not None:
		headers["X-Hub-Signature-256"] = hub_signature(secret, body)
	return requests.post(server.url + WEBHOOK, data=body, headers=headers, timeout=30)


def rows(number: str) -> list:
	return interactions(number, "message_type")


def test_the_subscription_check_answers_the_challenge_only_to_the_verify_token(channels, server):
	get = lambda token: requests.get(  # noqa: E731
		server.url + WEBHOOK,
		params={"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1158201444"},
		headers={"Host": server.host},
		timeout=30,
	)
	ok = get(VERIFY_TOKEN)
	assert ok.status_code == 200 and ok.text == "1158201444"
	assert get("wrong").status_code == 403


def test_a_whatsapp_conversation_from_first_message_to_read(channels, server, api_as):
	number = italian_mobile()
	channels.numbers.append(number)
	first = text_message(number, "Il mio ordine non è arrivato")
	r = deliver(server, envelope([first]))
	assert r.status_code == 200, r.text[:500]
	result = r.json()["message"]["results"][0]
	assert result["status"] == "recorded" and result["created"] == "Ticket"
	ticket = result["reference_name"]
	# Meta retries a delivery it thinks failed: stored once
	again = deliver(server, envelope([first]))
	assert again.json()["message"]["results"][0]["status"] == "duplicate"

	# a photo in the same conversation: on the same ticket, the image stored as a private File
	photo = {
		"from": number.lstrip("+"),
		"id": f"wamid.{unique()}",
		"timestamp": str(int(time.time())),
		"type": "image",
		"image": {"id": "media-4711", "mime_type": "image/jpeg", "caption": "Il pacco"},
	}
	r = deliver(server, envelope([photo]))
	assert r.status_code == 200, r.text[:500]
	result = r.json()["message"]["results"][0]
	assert result["reference_name"] == ticket and len(result["files"]) == 1
	frappe.db.rollback()
	file = frappe.get_doc("File", result["files"][0])
	assert (file.attached_to_doctype, file.is_private) == ("Interaction", 1)
	assert file.get_content() == MEDIA
	assert [r.reference_name for r in rows(number)] == [ticket, ticket]
	# an image Frappe can't read is kept as it came, not lost
	broken = {**photo, "id": f"wamid.{unique()}", "image": {"id": "media-corrupt", "mime_type": "image/jpeg"}}
	r = deliver(server, envelope([broken]))
	assert r.status_code == 200, r.text[:500]
	frappe.db.rollback()
	kept = frappe.get_doc("File", r.json()["message"]["results"][0]["files"][0])
	assert kept.file_name.endswith(".bin") and kept.get_content() == CORRUPT_JPEG

	# the agent replies on the ticket without choosing: it goes out on WhatsApp, to the customer's number
	agent = api_as("Support Agent")
	r = agent.post(
		SEND,
		json={"reference_doctype": "Ticket", "reference_name": ticket, "message": "Lo verifichiamo subito."},
	)
	assert r.status_code == 200, r.text[:500]
	sent = r.json()["message"]
	assert sent["channel"] == "WhatsApp" and sent["to"] == number
	call = [c for c in channels.graph.requests if c["method"] == "POST"][-1]
	assert call["json"] == {
		"messaging_product": "whatsapp",
		"to": number.lstrip("+"),
		"type": "text",
		"text": {"body": "Lo verifichiamo subito.", "preview_url": False},
	}

	# statuses: delivered, read, then a late "sent" changes nothing; a status for another message is ignored
	wamid = sent["message_id"]
	for status in ("delivered", "read", "sent"):
		r = deliver(
			server,
			envelope(
				statuses=[
					{
						"id": wamid,
						"status": status,
						"timestamp": str(int(time.time())),
						"recipient_id": number.lstrip("+"),
					}
				]
			),
		)
		assert r.status_code == 200, r.text[:500]
	out = [r for r in rows(number) if r.direction == "Outbound"]
	assert len(out) == 1 and out[0].delivery_status == "Read" and out[0].reference_name == ticket
	# the agent's message was the ticket's first response (SLA), as an emailed reply is
	assert frappe.db.get_value("Ticket", ticket, "first_responded_on")

	# the ticket waits on the customer; their next message resumes it, on the same ticket
	frappe.db.set_value("Ticket", ticket, "status", "Waiting on Customer")
	frappe.db.commit()
	r = deliver(server, envelope([text_message(number, "Ecco il numero d'ordine: A-42")]))
	assert r.json()["message"]["results"][0]["reference_name"] == ticket
	frappe.db.rollback()
	assert frappe.db.get_value("Ticket", ticket, "status") == "In Progress"


def test_outside_the_window_only_templates_go_out(channels, committed):
	number = italian_mobile()
	channels.numbers.append(number)
	customer = committed(make_customer(mobile_no=number))
	frappe.db.commit()
	from crm_suite.crm.messaging import send_message

	frappe.set_user(committed(make_user("Sales User")).name)  # who sends from a customer
	frappe.db.commit()
	before = len(channels.graph.requests)
	# free-form text outside the window must be refused
	with pytest.raises(frappe.ValidationError, match="24 hours"):
		send_message("Customer", customer.name, "WhatsApp", "Ciao!")
	assert len(channels.graph.requests) == before
	result = send_message(
		"Customer",
		customer.name,
		"WhatsApp",
		template="order_update",
		template_params=["Ada", "A-42"],
		template_language="it",
	)
	call = channels.graph.requests[-1]["json"]
	assert call["type"] == "template" and call["to"] == number.lstrip("+")
	assert call["template"] == {
		"name": "order_update",
		"language": {"code": "it"},
		"components": [
			{
				"type": "body",
				"parameters": [{"type": "text", "text": "Ada"}, {"type": "text", "text": "A-42"}],
			}
		],
	}
	row = frappe.get_doc("Interaction", result["interaction"])
	assert (row.message_type, row.template_name, row.customer, row.delivery_status) == (
		"template",
		"order_update",
		customer.name,
		"Sent",
	)
	# a template WhatsApp refuses: a clear error, nothing logged
	try:
		send_message("Customer", customer.name, "WhatsApp", template="not_approved")
	except frappe.ValidationError as e:
		assert "refused" in str(e)
	else:
		raise AssertionError("a refused template must raise")
	assert frappe.db.count("Interaction", {"customer": customer.name, "direction": "Outbound"}) == 1


def test_bad_signatures_and_malformed_payloads_store_nothing(channels, server):
	number = italian_mobile()
	channels.numbers.append(number)
	good = envelope([text_message(number, "ciao")])
	assert deliver(server, good, secret=None).status_code == 401
	assert deliver(server, good, secret="not-the-app-secret").status_code == 403
	# a body changed after signing
	body = json.dumps(good).encode()
	headers = {
		"Host": server.host,
		"Content-Type": "application/json",
		"X-Hub-Signature-256": hub_signature(APP_SECRET, body),
	}
	tampered = body.replace(b"ciao", b"CIAO")
	r = requests.post(server.url + WEBHOOK, data=tampered, headers=headers, timeout=30)
	assert r.status_code == 403
	malformed = [
		{"object": "page", "entry": []},
		{"object": "whatsapp_business_account"},
		{"object": "whatsapp_business_account", "entry": [{"changes": [{"value": "x"}]}]},
		envelope(
			[
				text_message(number, "ok"),
				{"from": number.lstrip("+"), "type": "text", "text": {"body": "no id"}},
			]
		),
		envelope([{**text_message(number, "bad time"), "timestamp": "yesterday"}]),
		envelope([text_message(number, "ok")], statuses=[{"id": "wamid.x", "status": "teleported"}]),
	]
	for payload in malformed:
		r = deliver(server, payload)
		assert r.status_code == 400, (payload, r.status_code, r.text[:300])
	assert deliver(server, None, raw=b"not json").status_code == 400
	assert rows(number) == []
	assert not frappe.db.exists("Ticket", {"subject": ("like", f"%{number}")})
