"""Over HTTP: the REST resource and the module's methods as each kind of caller, the OpenAPI document
lists them, concurrent writes on one record lose nothing and store nothing twice; meeting invitations
carry an .ics with METHOD:REQUEST."""

import threading

import frappe
import pytest
from frappe.utils import add_to_date, now_datetime

from crm_suite.activities import api
from tests.integration.activities.helpers import make_activity, make_plan, next_activity
from tests.integration.factories import (
	delete_for_good,
	make_contact,
	make_customer,
	make_lead,
	make_user,
	unique,
)
from tests.integration.sessions import run_together

METHODS = (
	"get_my_day",
	"complete_activity",
	"cancel_activity",
	"apply_activity_plan",
	"get_record_activities",
	"send_meeting_invitation",
	"resolve_missed_call",
)


def test_the_openapi_document_lists_the_doctypes_and_methods():
	from crm_suite.api.openapi import build_openapi

	doc = build_openapi()
	paths = doc["paths"]
	for doctype in ("CRM Activity", "Activity Plan", "Activity Digest Log", "Stage History"):
		assert f"/api/resource/{doctype}" in paths, doctype
	assert "/api/resource/Activity Settings/Activity Settings" in paths
	for method in METHODS:
		assert f"/api/method/crm_suite.activities.api.{method}" in paths, method
	assert "get" in paths["/api/method/crm_suite.activities.api.get_my_day"]
	assert not doc.get("x-import-errors")


def test_rest_as_each_caller(api_as, guest_api, committed):
	lead = committed(make_lead())
	frappe.db.commit()
	seller, agent = api_as("Sales User"), api_as("Support Agent")
	body = {
		"reference_doctype": "Lead",
		"reference_name": lead.name,
		"due_on": str(add_to_date(now_datetime(), hours=1)),
	}
	created = seller.post("/api/resource/CRM Activity", json=body)
	assert created.status_code == 200, created.text
	name = created.json()["data"]["name"]
	committed(frappe.get_doc("CRM Activity", name))
	assert agent.post("/api/resource/CRM Activity", json=body).status_code == 403  # agents may not read leads
	assert agent.get(f"/api/resource/CRM Activity/{name}").status_code == 403
	assert name not in [r["name"] for r in agent.get("/api/resource/CRM Activity").json()["data"]]
	assert guest_api.get("/api/resource/CRM Activity").status_code == 403
	assert guest_api.get("/api/method/crm_suite.activities.api.get_my_day").status_code == 403
	assert seller.post("/api/resource/CRM Activity", json={**body, "colour": "red"}).status_code == 400
	bad = seller.post(
		"/api/method/crm_suite.activities.api.complete_activity", json={"activity": name, "outcome": ""}
	)
	assert bad.status_code == 417 and "Outcome" in bad.text
	assert (
		agent.post(
			"/api/method/crm_suite.activities.api.complete_activity", json={"activity": name, "outcome": "x"}
		).status_code
		== 403
	)
	done = seller.post(
		"/api/method/crm_suite.activities.api.complete_activity",
		json={"activity": name, "outcome": "Reached"},
	)
	assert done.status_code == 200, done.text
	frappe.db.rollback()  # a fresh snapshot sees the server's commit
	committed(frappe.get_doc("Interaction", done.json()["message"]["interaction"]))
	day = seller.get("/api/method/crm_suite.activities.api.get_my_day")
	assert day.status_code == 200 and "overdue" in day.json()["message"]
	assert seller.post("/api/method/crm_suite.activities.api.get_my_day").status_code in (403, 405)
	listed = seller.get(
		"/api/method/crm_suite.activities.api.get_record_activities",
		params={"reference_doctype": "Lead", "reference_name": lead.name},
	)
	assert listed.json()["message"]["closed"][0]["name"] == name
	assert (
		agent.get(
			"/api/method/crm_suite.activities.api.get_record_activities",
			params={"reference_doctype": "Lead", "reference_name": lead.name},
		).status_code
		== 403
	)


@pytest.mark.commits
def test_concurrent_activities_on_one_record_keep_the_right_next_activity(site):
	lead = make_lead()
	frappe.db.commit()
	now = now_datetime()
	dues = [add_to_date(now, hours=h) for h in (5, 3, 4, 1)]

	def plan(due):
		return lambda: make_activity(frappe.get_doc("Lead", lead.name), due_on=due, subject=f"at {due}").name

	try:
		results = run_together(site, [plan(d) for d in dues])
		assert all(isinstance(r, str) for r in results), results
		assert frappe.db.count("CRM Activity", {"reference_name": lead.name}) == 4
		assert next_activity(lead)[1] == f"at {min(dues)}"
	finally:
		frappe.db.delete("CRM Activity", {"reference_name": lead.name})
		delete_for_good("Lead", lead.name)
		frappe.db.commit()


@pytest.mark.commits
def test_a_plan_applied_twice_at_once_is_applied_once(site):
	customer = make_customer()
	plan = make_plan([{"activity_type": "Call", "subject": "Welcome call", "due_after_days": 0}])
	frappe.db.commit()
	from crm_suite.activities import plans

	try:
		results = run_together(site, [lambda: plans.apply_plan(plan.name, "Customer", customer.name)] * 2)
		assert sorted(type(r).__name__ for r in results) == ["PlanAlreadyApplied", "list"], results
		assert frappe.db.count("CRM Activity", {"reference_name": customer.name}) == 1
	finally:
		frappe.db.delete("CRM Activity", {"reference_name": customer.name})
		delete_for_good("Customer", customer.name)
		delete_for_good("Activity Plan", plan.name)
		frappe.db.commit()


def test_a_meeting_invitation_carries_an_ics_request():
	customer = make_customer()
	contact = make_contact(
		customer.name, "Grace", email=f"{unique('grace-')}@example.com", ignore_permissions=True
	)
	meeting = make_activity(customer, activity_type="Meeting", subject="Kick-off", location="Room 4")
	assert meeting.contact == contact.name and meeting.invitee_email == contact.email_id
	result = api.send_meeting_invitation(meeting.name)
	assert result["sequence"] == 1
	queue = frappe.get_last_doc(
		"Email Queue", filters={"reference_doctype": "CRM Activity", "reference_name": meeting.name}
	)
	assert (
		'text/calendar; method="REQUEST"' in queue.message or "text/calendar; method=REQUEST" in queue.message
	)
	assert "BEGIN:VCALENDAR" in queue.message.replace("=\n", "") or "invite.ics" in queue.message
	api.send_meeting_invitation(meeting.name)
	assert frappe.db.get_value("CRM Activity", meeting.name, "invitation_sequence") == 2
	api.cancel_activity(meeting.name, "Postponed", notify_invitee=True)
	assert frappe.db.count("Email Queue", {"reference_name": meeting.name}) == 3
	call = make_activity(customer, activity_type="Call")
	with pytest.raises(frappe.ValidationError, match="Only a meeting"):
		api.send_meeting_invitation(call.name)
