"""The call events webhook: token, replay, number matching, call lifecycle, missed-call round robin."""

import random

import frappe
import pytest

from crm_suite.crm.telephony import CallEventError, handle_call_event, next_callback_agent
from tests.integration.factories import make_contact, make_customer, make_lead, make_user, unique

TOKEN = "s3cret-pbx-token"


def berlin_number() -> tuple[str, str]:
	"""(as a person writes it in Germany, E.164)."""
	digits = f"{random.randint(20000000, 99999999)}"
	return f"030 {digits[:4]} {digits[4:]}", f"+4930{digits}"


@pytest.fixture
def settings():
	doc = frappe.get_single("Contact Center Settings")
	doc.webhook_token = TOKEN
	doc.default_region = "DE"
	doc.create_lead_for_unknown = 1
	doc.set("callback_agents", [])
	doc.save()
	return doc


def event(event="ringing", number=None, call_id=None, **kw):
	return handle_call_event(
		{
			"event_id": unique("ev-"),
			"event": event,
			"call_id": call_id or unique("call-"),
			"from": number,
			**kw,
		}
	)


def test_caller_is_matched_to_a_customer_whatever_the_format(settings):
	local, e164 = berlin_number()
	customer = make_customer(phone=local)
	result = event(number=e164.replace("+49", "0049 "))
	assert result["customer"] == customer.name
	row = frappe.get_doc("Interaction", result["interaction"])
	assert (row.reference_doctype, row.reference_name, row.normalised_phone, row.invalid_phone) == (
		"Customer",
		customer.name,
		e164,
		0,
	)


def test_caller_is_matched_to_a_contact_and_its_customer(settings):
	local, e164 = berlin_number()
	customer = make_customer()
	contact = make_contact(customer.name, "Grace", phone=local)
	result = event(number=e164)
	assert (result["contact"], result["customer"]) == (contact.name, customer.name)


def test_caller_is_matched_to_a_lead_by_its_stored_e164_number(settings):
	_local, e164 = berlin_number()
	lead = make_lead(phone=e164.replace("+49", "+49 "))
	result = event(number=e164.replace("+49", "0049"))
	assert (result["lead"], result["lead_created"]) == (lead.name, False)


def test_caller_is_matched_to_a_lead(settings):
	"""A national number on a lead without a country: by its E.164 form, or by its digits when the site's
	country does not read it (a Berlin number on a site whose country is the United States)."""
	local, e164 = berlin_number()
	lead = make_lead(mobile_no=local)
	result = event(number=e164)
	assert (result["lead"], result["customer"], result["lead_created"]) == (lead.name, None, False)


def test_an_outbound_call_is_matched_by_the_number_called(settings):
	local, e164 = berlin_number()
	customer = make_customer(phone=local)
	_agent_local, agent_line = berlin_number()
	result = event(number=agent_line, to=e164.replace("+49", "0049"), direction="outbound")
	assert (result["customer"], result["lead_created"]) == (customer.name, False)
	row = frappe.get_doc("Interaction", result["interaction"])
	assert (row.direction, row.normalised_phone) == ("Outbound", e164)


def test_a_customer_is_matched_before_a_lead_with_the_same_number(settings):
	local, e164 = berlin_number()
	lead = make_lead(phone=local)
	customer = make_customer(mobile_no=e164)
	result = event(number=local)
	assert result["customer"] == customer.name
	assert frappe.db.get_value("Interaction", result["interaction"], "reference_name") == customer.name
	assert result["lead"] != lead.name


def test_unknown_number_creates_a_lead_only_when_enabled(settings):
	_local, e164 = berlin_number()
	result = event(number=e164)
	assert result["lead_created"]
	assert frappe.db.get_value("Lead", result["lead"], "phone") == e164
	settings.create_lead_for_unknown = 0
	settings.save()
	_local, e164 = berlin_number()
	result = event(number=e164)
	assert (result["lead"], result["lead_created"]) == (None, False)
	assert not frappe.db.exists("Lead", {"phone": e164})


def test_malformed_number_is_kept_as_given_and_flagged(settings):
	result = event(number="call me maybe 12")
	row = frappe.get_doc("Interaction", result["interaction"])
	assert (row.phone_number, row.normalised_phone, row.invalid_phone) == ("call me maybe 12", None, 1)
	assert (result["lead"], result["lead_created"], row.lead) == (None, False, None)


def test_a_replayed_event_id_changes_nothing(settings):
	_local, e164 = berlin_number()
	payload = {"event_id": unique("ev-"), "event": "missed", "call_id": unique("call-"), "from": e164}
	first = handle_call_event(dict(payload))

	def written():
		"""What this call wrote (counted by its own ids, not whole tables: other suites may share the site)."""
		return [
			frappe.db.count("Interaction", {"call_id": payload["call_id"]}),
			frappe.db.count(
				"ToDo", {"reference_type": "Interaction", "reference_name": first["interaction"]}
			),
			frappe.db.count("Lead", {"phone": e164}),
			frappe.db.count("Call Event Log", {"name": payload["event_id"]}),
		]

	counts = written()
	assert counts[0] == counts[3] == 1
	again = handle_call_event(dict(payload, event="answered"))
	assert first["status"] == "recorded" and again == {"status": "duplicate", "event_id": payload["event_id"]}
	assert written() == counts
	assert frappe.db.get_value("Interaction", first["interaction"], "call_status") == "Missed"


def test_one_call_is_one_interaction_through_its_events(settings):
	local, e164 = berlin_number()
	make_customer(mobile_no=local)
	agent = make_user("Support Agent")
	call = unique("call-")
	first = event("ringing", e164, call, timestamp="2026-11-23 10:00:00")
	event("answered", e164, call, agent=agent.name, timestamp="2026-11-23 10:00:05")
	last = event("ended", e164, call, timestamp="2026-11-23 10:02:05")
	assert first["interaction"] == last["interaction"]
	row = frappe.get_doc("Interaction", last["interaction"])
	assert (row.call_status, row.outcome, row.agent, row.duration) == ("Ended", "Connected", agent.name, 125)
	assert frappe.db.count("Interaction", {"call_id": call}) == 1


def test_missed_calls_go_round_robin_to_the_agents(settings):
	a, b = make_user("Support Agent"), make_user("Support Agent")
	settings.set("callback_agents", [{"user": a.name}, {"user": b.name}])
	settings.save()
	assigned = []
	for _ in range(3):
		_local, e164 = berlin_number()
		result = event("missed", e164)
		todo = frappe.get_doc("ToDo", result["todo"])
		assert (todo.reference_type, todo.reference_name) == ("Interaction", result["interaction"])
		assert e164 in todo.description
		assigned.append(todo.allocated_to)
		# ToDos made in one second tie on creation; the next one is clearly later
		frappe.db.set_value(
			"ToDo", todo.name, "creation", frappe.utils.add_to_date(None, seconds=-100 + len(assigned))
		)
	assert assigned == [a.name, b.name, a.name]
	assert next_callback_agent() == b.name


def test_missed_call_without_agents_makes_no_todo(settings):
	_local, e164 = berlin_number()
	result = event("missed", e164)
	assert result["todo"] is None
	assert frappe.db.get_value("Interaction", result["interaction"], "outcome") == "No Answer"


@pytest.mark.parametrize(
	"payload, message",
	[
		({"event": "ringing"}, "event_id"),
		({"event_id": "x1", "event": "exploded"}, "Unknown call event"),
		({"event_id": "x2", "event": "ended", "duration": -3}, "negative"),
		({"event_id": "x3", "event": "ringing", "direction": "sideways"}, "direction"),
		({"event_id": "x4", "event": "ringing", "timestamp": "yesterday-ish"}, "timestamp"),
	],
)
def test_bad_payloads_are_refused_and_write_nothing(settings, payload, message):
	_local, e164 = berlin_number()
	payload = {**payload, "from": e164}
	with pytest.raises(CallEventError, match=message):
		handle_call_event(payload)
	assert not frappe.db.exists("Call Event Log", payload.get("event_id") or "")
	assert frappe.db.count("Interaction", {"phone_number": e164}) == 0


# ---------------------------------------------------------------- over HTTP


@pytest.fixture
def committed_settings():
	doc = frappe.get_single("Contact Center Settings")
	old = (doc.get_password("webhook_token", raise_exception=False), doc.default_region)
	doc.webhook_token = TOKEN
	doc.default_region = "DE"
	doc.save()
	frappe.db.commit()
	yield doc
	doc = frappe.get_single("Contact Center Settings")
	doc.webhook_token = old[0] or ""
	doc.default_region = old[1]
	doc.save()
	frappe.db.commit()


URL = "/api/method/crm_suite.crm.telephony.call_event"


def written_by(body: dict) -> list[int]:
	"""[Call Event Log, Interaction, Lead] rows this event made, found by its event id and number (not whole
	tables: other suites may share the site)."""
	return [
		frappe.db.count("Call Event Log", {"name": body["event_id"]}),
		frappe.db.count("Interaction", {"phone_number": body["from"]}),
		frappe.db.count("Lead", {"phone": body["from"]}),
	]


def test_webhook_refuses_missing_and_wrong_tokens(guest_api, committed_settings):
	body = {"event_id": unique("ev-"), "event": "ringing", "from": berlin_number()[1]}
	assert guest_api.post(URL, json=body).status_code == 401
	guest_api.headers["X-Webhook-Token"] = "wrong"
	assert guest_api.post(URL, json=body).status_code == 403
	guest_api.headers["X-Webhook-Token"] = ""
	assert guest_api.post(URL, json=body).status_code == 401
	frappe.db.rollback()
	assert written_by(body) == [0, 0, 0]


def test_without_a_configured_token_every_call_is_refused(guest_api, committed_settings):
	committed_settings.webhook_token = ""
	committed_settings.save()
	frappe.db.commit()
	guest_api.headers["X-Webhook-Token"] = "anything"
	body = {"event_id": unique("ev-"), "event": "missed", "from": berlin_number()[1]}
	assert guest_api.post(URL, json=body).status_code == 403
	frappe.db.rollback()
	assert written_by(body) == [0, 0, 0]


def test_webhook_records_with_the_right_token_and_ignores_replays(guest_api, committed_settings, committed):
	local, e164 = berlin_number()
	customer = committed(make_customer(phone=local))
	frappe.db.commit()
	guest_api.headers["X-Webhook-Token"] = TOKEN
	body = {"event_id": unique("ev-"), "event": "ringing", "call_id": unique("call-"), "from": e164}
	r = guest_api.post(URL, json=body)
	assert r.status_code == 200, r.text
	msg = r.json()["message"]
	assert (msg["status"], msg["customer"]) == ("recorded", customer.name)
	row = committed(frappe.get_doc("Interaction", msg["interaction"]))
	assert not row.agent and row.owner == "Guest"
	committed(frappe.get_doc("Call Event Log", body["event_id"]))
	r = guest_api.post(URL, json=body)
	assert r.json()["message"]["status"] == "duplicate"
	assert guest_api.post(URL, json={"event": "ringing"}).status_code == 400
	frappe.db.rollback()
	assert frappe.db.count("Interaction", {"call_id": body["call_id"]}) == 1
