"""SMS: a conversation from the first inbound message (unknown number → a routed lead) to the agent's
reply through Frappe's SMS Settings (a fake gateway on loopback) to its delivery report; replays, bad
tokens and malformed payloads refused with nothing stored; STOP honoured; who may send."""

import frappe
import pytest
import requests

from tests.integration.channels.conftest import SMS_TOKEN, italian_mobile, store_inbox
from tests.integration.channels.conftest import interactions as channel_interactions
from tests.integration.factories import make_lead, make_user, unique


def post(server, method: str, payload: dict, token: str | None = SMS_TOKEN):
	headers = {"Host": server.host}
	if token is not None:
		headers["X-Webhook-Token"] = token
	return requests.post(
		f"{server.url}/api/method/crm_suite.crm.sms.{method}", json=payload, headers=headers, timeout=30
	)


def interactions(number: str) -> list:
	return channel_interactions(number, "conversation", "agent", "notes")


def test_an_sms_conversation_from_first_message_to_delivery_report(channels, server, api_as):
	number = italian_mobile()
	channels.numbers.append(number)
	local = "333 " + number[6:]  # as an Italian gateway may pass it on: national format
	first = {"message_id": unique("gw-"), "from": local, "text": "Buongiorno, vorrei un preventivo"}
	r = post(server, "inbound", first)
	assert r.status_code == 200, r.text
	assert r.json()["message"] == {"status": "queued", "message_id": first["message_id"]}
	assert interactions(number) == []  # stored by the job, not by the webhook
	store_inbox()
	rows = interactions(number)
	assert [(r.direction, r.reference_doctype) for r in rows] == [("Inbound", "Lead")]
	lead = rows[0].reference_name
	assert frappe.db.get_value("Lead", lead, "mobile_no") == number
	assert frappe.db.get_value("Channel Inbox", f"SMS:{first['message_id']}", ["status", "interaction"]) == (
		"Done",
		rows[0].name,
	)
	# routed like any other lead: the Lead Round Robin rule assigned it (when it has sales users)
	if frappe.db.get_value("Assignment Rule", "Lead Round Robin", "disabled") == 0:
		assert frappe.db.exists("ToDo", {"reference_type": "Lead", "reference_name": lead, "status": "Open"})

	# the gateway retries the same message: stored once
	again = post(server, "inbound", first)
	assert again.status_code == 200 and again.json()["message"]["status"] == "duplicate"
	store_inbox()
	rows = interactions(number)
	assert len(rows) == 1
	assert (rows[0].reference_doctype, rows[0].reference_name, rows[0].conversation) == (
		"Lead",
		lead,
		f"SMS:{number}",
	)

	# a second message of the same conversation goes to the same lead, no new lead
	r = post(server, "inbound", {"message_id": unique("gw-"), "from": number, "text": "Grazie"})
	assert r.json()["message"]["status"] == "queued"
	store_inbox()
	assert [(r.reference_doctype, r.reference_name) for r in interactions(number)] == [("Lead", lead)] * 2
	assert frappe.db.count("Lead", {"mobile_no": number}) == 1

	# the agent (a Sales User, who may write the lead) replies from the lead
	frappe.db.rollback()
	frappe.db.set_value("Lead", lead, "owner", "Administrator")
	frappe.db.commit()
	agent = api_as("Sales User")
	r = agent.post(
		"/api/method/crm_suite.crm.messaging.send_message",
		json={
			"reference_doctype": "Lead",
			"reference_name": lead,
			"channel": "SMS",
			"message": "Certo, la chiamo oggi.",
		},
	)
	assert r.status_code == 200, r.text
	sent = r.json()["message"]
	request = channels.gateway.requests[-1]
	assert request["fields"]["to"] == number
	assert request["fields"]["text"] == "Certo, la chiamo oggi."
	assert request["fields"]["api_key"] == "gw-key"  # SMS Settings' static parameter
	assert request["fields"]["ref"] == sent["message_id"]  # what the delivery report will name
	out = [r for r in interactions(number) if r.direction == "Outbound"]
	assert len(out) == 1 and out[0].delivery_status == "Sent" and out[0].reference_name == lead

	# delivery reports: forward only, and an unknown id changes nothing
	assert post(server, "status", {"message_id": sent["message_id"], "status": "DELIVRD"}).status_code == 200
	assert post(server, "status", {"message_id": sent["message_id"], "status": "sent"}).status_code == 200
	frappe.db.rollback()
	assert frappe.db.get_value("Interaction", out[0].name, "delivery_status") == "Delivered"
	unknown = post(server, "status", {"message_id": "nobody", "status": "delivered"})
	assert unknown.json()["message"]["status"] == "unknown"

	# STOP: an opt-out for the number and channel; the next reply is refused, nothing is sent
	r = post(server, "inbound", {"message_id": unique("gw-"), "from": number, "text": "STOP"})
	assert r.json()["message"]["status"] == "queued"
	store_inbox()
	assert (
		frappe.db.get_value("Channel Consent", {"phone": number, "channel": "SMS"}, "status") == "Opted Out"
	)
	before = len(channels.gateway.requests)
	r = agent.post(
		"/api/method/crm_suite.crm.messaging.send_message",
		json={"reference_doctype": "Lead", "reference_name": lead, "channel": "SMS", "message": "Ancora noi"},
	)
	assert r.status_code == 417 and "opted out" in r.text
	assert len(channels.gateway.requests) == before
	assert len([r for r in interactions(number) if r.direction == "Outbound"]) == 1


def test_bad_tokens_and_malformed_payloads_store_nothing(channels, server):
	number = italian_mobile()
	channels.numbers.append(number)
	good = {"message_id": unique("gw-"), "from": number, "text": "hello"}
	assert post(server, "inbound", good, token=None).status_code == 401
	assert post(server, "inbound", good, token="wrong").status_code == 403
	assert (
		post(server, "status", {"message_id": "x", "status": "delivered"}, token="wrong").status_code == 403
	)
	for bad in (
		{"from": number, "text": "no id"},
		{"message_id": unique("gw-"), "text": "no number"},
		{"message_id": unique("gw-"), "from": number, "text": "x", "timestamp": "yesterday-ish"},
		{"message_id": "x" * 200, "from": number, "text": "id too long"},
		{"message_id": unique("gw-"), "from": number, "text": "y" * 6000},
	):
		r = post(server, "inbound", bad)
		assert r.status_code == 400, (bad, r.status_code, r.text[:300])
	assert post(server, "status", {"message_id": "x", "status": "teleported"}).status_code == 400
	assert not frappe.db.exists("Channel Inbox", {"phone_number": number})
	store_inbox()
	assert interactions(number) == []
	assert not frappe.db.exists("Lead", {"mobile_no": number})


def test_a_gateway_failure_is_a_clear_error_and_logs_nothing(channels):
	number = italian_mobile()
	channels.numbers.append(number)
	lead = make_lead(mobile_no=number)
	channels.gateway.fail = True
	try:
		from crm_suite.crm.messaging import send_message

		with pytest.raises(frappe.ValidationError, match="refused"):  # a failing gateway must raise
			send_message("Lead", lead.name, "SMS", "Hello")
	finally:
		channels.gateway.fail = False
	assert not frappe.db.exists("Interaction", {"reference_name": lead.name, "direction": "Outbound"})


def test_who_may_send_from_a_record(channels, server, api_as, guest_api, committed):
	number = italian_mobile()
	channels.numbers.append(number)
	lead = committed(make_lead(mobile_no=number))
	other = committed(make_lead(mobile_no=italian_mobile()))
	frappe.db.commit()
	body = {"reference_doctype": "Lead", "reference_name": lead.name, "channel": "SMS", "message": "Hi"}
	path = "/api/method/crm_suite.crm.messaging.send_message"
	assert guest_api.post(path, json=body).status_code in (401, 403)
	assert api_as("Support Agent").post(path, json=body).status_code == 403  # no Lead permission
	# a Sales User limited by a User Permission to another lead
	restricted = make_user("Sales User")
	committed(restricted)
	committed(
		frappe.get_doc(
			{"doctype": "User Permission", "user": restricted.name, "allow": "Lead", "for_value": other.name}
		).insert(ignore_permissions=True)
	)
	restricted.api_key, secret = frappe.generate_hash(length=15), frappe.generate_hash(length=15)
	restricted.api_secret = secret
	restricted.save(ignore_permissions=True)
	frappe.db.commit()
	from tests.integration.conftest import Api

	r = Api(server, f"{restricted.api_key}:{secret}").post(path, json=body)
	assert r.status_code == 403, r.text[:300]
	assert channels.gateway.requests == []
	assert interactions(number) == []
	# bad input: an unknown doctype, a record without a number
	r = api_as("Sales User").post(
		path, json={**body, "reference_doctype": "User", "reference_name": "Administrator"}
	)
	assert r.status_code == 400
