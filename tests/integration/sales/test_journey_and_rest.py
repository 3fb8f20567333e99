"""The whole sales journey in one test, and every step over REST with token auth."""

import frappe
from frappe.model.workflow import apply_workflow

from crm_suite.sales.conversion import convert_lead
from tests.integration.factories import make_lead, make_user, unique


def test_whole_journey_from_lead_to_won_opportunity_and_the_funnel():
	seller = make_user("Sales User")
	campaign = frappe.get_doc({"doctype": "Campaign", "campaign_name": unique("Journey ")}).insert().name
	frappe.set_user(seller.name)

	lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": "Grace",
			"last_name": unique(),
			"company_name": unique("Hopper "),
			"email_id": f"{unique()}@example.com",
			"source": "Referral",
			"campaign": campaign,
		}
	).insert()
	assert lead.status == "New" and lead.lead_score > 0 and not lead.is_duplicate
	twin = make_lead(email_id=lead.email_id, campaign=campaign)
	assert {(d.reference_doctype, d.reference_name) for d in twin.duplicates} == {("Lead", lead.name)}

	from crm_suite.sales.duplicates import merge_leads

	merge_leads(twin.name, lead.name)
	lead = apply_workflow(frappe.get_doc("Lead", lead.name).as_dict(), "Contact")
	lead = apply_workflow(lead.as_dict(), "Qualify")
	result = convert_lead(lead.name, create_opportunity=1)
	assert frappe.db.get_value("Lead", lead.name, "status") == "Converted"

	opp = frappe.get_doc("Opportunity", result["opportunity"])
	assert opp.opportunity_owner == seller.name and opp.campaign == campaign
	opp.update({"amount": 2500, "sales_stage": "Negotiation"})
	opp.save()
	assert opp.weighted_amount == 2000  # 80 % at Negotiation
	opp = apply_workflow(opp.as_dict(), "Win")
	assert (opp.status, str(opp.closed_on), opp.probability) == ("Won", frappe.utils.nowdate(), 100)

	from frappe.desk.query_report import run

	rows = {r["stage"]: r for r in run("Sales Funnel", filters={"campaign": campaign})["result"]}
	# the merged twin stays counted as an Unqualified lead
	assert (
		rows["Leads"]["count"],
		rows["Converted"]["count"],
		rows["Won"]["count"],
		rows["Won"]["value"],
	) == (2, 1, 1, 2500)


def cleanup(committed, result):
	for doctype in ("Customer", "Contact", "Address", "Opportunity"):
		name = result.get(doctype.lower())
		if name:
			committed(frappe.get_doc(doctype, name))


def test_rest_journey_as_a_sales_user(api_as, committed):
	api = api_as("Sales User")
	created = api.post(
		"/api/resource/Lead",
		json={
			"first_name": "Rest",
			"company_name": unique("Rest Co "),
			"email_id": f"{unique()}@example.com",
		},
	)
	assert created.status_code == 200, created.text
	name = created.json()["data"]["name"]

	# a transition the workflow forbids (New -> Qualified) is refused, and nothing changes
	skipped = api.put(f"/api/resource/Lead/{name}", json={"status": "Qualified"})
	assert skipped.status_code == 417 and "not allowed" in skipped.text
	frappe.db.rollback()
	assert frappe.db.get_value("Lead", name, "status") == "New"

	doc = api.get(f"/api/resource/Lead/{name}").json()["data"]
	moved = api.post(
		"/api/method/frappe.model.workflow.apply_workflow", json={"doc": doc, "action": "Contact"}
	)
	assert moved.status_code == 200, moved.text
	assert moved.json()["message"]["status"] == "Contacted"

	converted = api.post(
		"/api/method/crm_suite.sales.conversion.convert_lead", json={"lead": name, "create_opportunity": 1}
	)
	assert converted.status_code == 200, converted.text
	result = converted.json()["message"]
	frappe.db.rollback()
	cleanup(committed, result)
	committed(frappe.get_doc("Lead", name))
	assert result["status"] == "Converted" and result["customer"] and result["opportunity"]
	assert api.get(f"/api/resource/Customer/{result['customer']}").json()["data"]["lead"] == name

	again = api.post("/api/method/crm_suite.sales.conversion.convert_lead", json={"lead": name})
	assert again.json()["message"]["customer"] == result["customer"]

	report = api.post(
		"/api/method/frappe.desk.query_report.run", json={"report_name": "Sales Funnel", "filters": {}}
	)
	assert report.status_code == 200 and report.json()["message"]["result"][0]["stage"] == "Leads"


def test_rest_bad_input_and_forbidden_calls(api_as, committed):
	lead = make_lead()
	lead.status = "Unqualified"
	lead.save()
	committed(lead)
	frappe.db.commit()

	seller = api_as("Sales User")
	refused = seller.post("/api/method/crm_suite.sales.conversion.convert_lead", json={"lead": lead.name})
	assert refused.status_code == 417 and "Unqualified" in refused.text
	itself = seller.post(
		"/api/method/crm_suite.sales.duplicates.merge_leads",
		json={"duplicate": lead.name, "original": lead.name},
	)
	assert itself.status_code == 417 and "itself" in itself.text

	agent = api_as("Support Agent")
	assert (
		agent.post(
			"/api/method/crm_suite.sales.conversion.convert_lead", json={"lead": lead.name}
		).status_code
		== 403
	)
	assert (
		agent.post(
			"/api/method/frappe.desk.query_report.run", json={"report_name": "Sales Funnel", "filters": {}}
		).status_code
		== 403
	)
	frappe.db.rollback()
	assert frappe.db.get_value("Lead", lead.name, ["status", "customer"]) == ("Unqualified", None)
