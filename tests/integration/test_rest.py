"""The core doctypes over the REST API of a running server, with token authentication."""

import frappe

from tests.integration.factories import make_opportunity, unique


def test_guest_reads_nothing(guest_api):
	for doctype in ("Lead", "Customer", "Opportunity", "Ticket", "Campaign"):
		response = guest_api.get(f"/api/resource/{doctype}")
		assert response.status_code == 403, (doctype, response.status_code)


def test_sales_user_creates_and_reads_a_lead(api_as, committed):
	api = api_as("Sales User")
	email = f"{unique()}@Example.com"
	response = api.post(
		"/api/resource/Lead", json={"first_name": "Rest", "last_name": "Client", "email_id": email}
	)
	assert response.status_code == 200, response.text
	lead = response.json()["data"]
	committed(frappe.get_doc("Lead", lead["name"]))
	assert lead["email_id"] == email.lower() and lead["status"] == "New"
	assert api.get(f"/api/resource/Lead/{lead['name']}").json()["data"]["lead_name"] == "Rest Client"


def test_invalid_email_over_rest_is_a_417_with_a_message_and_saves_nothing(api_as):
	api = api_as("Sales User")
	before = frappe.db.count("Lead")
	response = api.post("/api/resource/Lead", json={"first_name": "Bad", "email_id": "nope"})
	assert response.status_code == 417
	assert "not a valid Email Address" in response.text
	frappe.db.rollback()
	assert frappe.db.count("Lead") == before


def test_support_agent_cannot_edit_an_opportunity_over_rest(api_as, committed):
	opp = make_opportunity()
	committed(frappe.get_doc("Customer", opp.customer))  # deleted last: the opportunity links to it
	committed(opp)
	frappe.db.commit()
	api = api_as("Support Agent")
	assert api.get(f"/api/resource/Opportunity/{opp.name}").status_code == 200
	response = api.put(f"/api/resource/Opportunity/{opp.name}", json={"title": "hijacked"})
	assert response.status_code == 403
	frappe.db.rollback()
	assert frappe.db.get_value("Opportunity", opp.name, "title") != "hijacked"
