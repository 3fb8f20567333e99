"""Web-to-lead: new leads with attribution, deduplication, honeypot, bad input, rate limit, public page."""

import frappe
import pytest

from crm_suite.crm.web_to_lead import WebLeadError, submit_web_lead
from tests.integration.factories import make_campaign, make_customer, make_lead, unique


def form(**kw):
	return {"first_name": "Ada", "last_name": unique(), "email": f"{unique('w-')}@Example.com", **kw}


def test_a_new_person_becomes_an_attributed_lead_with_an_interaction():
	tag = unique("webinar-")
	campaign = make_campaign(utm_campaign=tag, channel="Social")
	result = submit_web_lead(form(phone="030 1234 5678", message="<b>Call me</b>", utm_campaign=tag))
	assert result["created"]
	lead = frappe.get_doc("Lead", result["lead"])
	assert (lead.campaign, lead.source, lead.phone) == (campaign.name, "Social Media", "+493012345678")
	assert lead.email_id == lead.email_id.lower()
	row = frappe.get_doc("Interaction", result["interaction"])
	assert (row.channel, row.reference_doctype, row.reference_name, row.lead) == (
		"Web Form",
		"Lead",
		lead.name,
		lead.name,
	)
	assert "<b>" not in row.notes


def test_without_utm_the_source_is_website():
	lead = frappe.get_doc("Lead", submit_web_lead(form())["lead"])
	assert (lead.source, lead.campaign) == ("Website", None)


def test_a_known_lead_is_not_duplicated():
	existing = make_lead(email_id=f"{unique('dup-')}@example.com")
	before = frappe.db.count("Lead")
	result = submit_web_lead(form(email=existing.email_id.upper(), message="again"))
	assert (result["lead"], result["created"]) == (existing.name, False)
	assert frappe.db.count("Lead") == before
	assert frappe.db.count("Interaction", {"lead": existing.name, "channel": "Web Form"}) == 1


@pytest.mark.parametrize("status", ["Contacted", "Qualified"])
def test_an_open_lead_in_any_open_state_gets_the_submission(status):
	existing = make_lead(email_id=f"{unique('open-')}@example.com")
	frappe.db.set_value("Lead", existing.name, "status", status)
	result = submit_web_lead(form(email=existing.email_id))
	assert (result["lead"], result["created"]) == (existing.name, False)


def test_a_disqualified_lead_does_not_swallow_a_new_enquiry():
	"""A visitor disqualified a year ago comes back: a new Lead, flagged as a possible duplicate of the old
	one (the funnel's duplicate check), with the enquiry on the new lead; the old lead is untouched."""
	old = make_lead(email_id=f"{unique('again-')}@example.com", phone="+49 30 12345678")
	frappe.db.set_value("Lead", old.name, {"status": "Unqualified", "creation": "2025-11-01 10:00:00"})
	before = frappe.db.count("Interaction", {"lead": old.name})
	result = submit_web_lead(form(email="", phone="030 12345678", message="Now we have a budget"))
	assert result["created"] and result["lead"] != old.name
	new = frappe.get_doc("Lead", result["lead"])
	assert new.is_duplicate == 1
	assert [(d.reference_doctype, d.reference_name, d.matched_on) for d in new.duplicates] == [
		("Lead", old.name, "Phone")
	]
	assert frappe.db.get_value("Interaction", result["interaction"], "lead") == new.name
	assert frappe.db.count("Interaction", {"lead": old.name}) == before
	assert frappe.db.get_value("Lead", old.name, "status") == "Unqualified"


def test_an_open_lead_wins_over_a_disqualified_one():
	email = f"{unique('both-')}@example.com"
	old = make_lead(email_id=email)
	frappe.db.set_value("Lead", old.name, "status", "Unqualified")
	current = make_lead(email_id=email)
	result = submit_web_lead(form(email=email))
	assert (result["lead"], result["created"]) == (current.name, False)


def test_a_converted_leads_customer_gets_the_submission():
	"""The customer record has no email of its own; the lead it was converted from has the address."""
	customer = make_customer()
	lead = make_lead(email_id=f"{unique('conv-')}@example.com")
	frappe.db.set_value("Lead", lead.name, {"status": "Converted", "customer": customer.name})
	before = frappe.db.count("Lead")
	result = submit_web_lead(form(email=lead.email_id))
	assert (result["customer"], result["lead"], result["created"]) == (customer.name, None, False)
	assert frappe.db.count("Lead") == before
	row = frappe.get_doc("Interaction", result["interaction"])
	assert (row.reference_doctype, row.reference_name, row.customer) == (
		"Customer",
		customer.name,
		customer.name,
	)


def test_a_known_customer_gets_an_interaction_not_a_lead():
	customer = make_customer(email_id=f"{unique('cust-')}@example.com")
	before = frappe.db.count("Lead")
	result = submit_web_lead(form(email=customer.email_id))
	assert (result["customer"], result["lead"], frappe.db.count("Lead")) == (customer.name, None, before)
	assert frappe.db.get_value("Interaction", result["interaction"], "customer") == customer.name


def test_the_honeypot_writes_nothing():
	before = frappe.db.count("Lead"), frappe.db.count("Interaction")
	assert submit_web_lead(form(website_url="http://spam.example")) == {"spam": True}
	assert (frappe.db.count("Lead"), frappe.db.count("Interaction")) == before


@pytest.mark.parametrize(
	"kw, message",
	[
		({"email": "not-an-email"}, "valid email"),
		({"email": "", "phone": ""}, "email address or a phone"),
		({"first_name": "", "last_name": ""}, "name"),
		({"message": "x" * 5001}, "too long"),
	],
)
def test_bad_input_is_refused_and_nothing_saved(kw, message):
	before = frappe.db.count("Lead"), frappe.db.count("Interaction")
	with pytest.raises(WebLeadError, match=message):
		submit_web_lead(form(**kw))
	assert (frappe.db.count("Lead"), frappe.db.count("Interaction")) == before


URL = "/api/method/crm_suite.crm.web_to_lead.capture_lead"


def test_rest_endpoint_rate_limits_per_ip(guest_api, committed):
	frappe.cache.delete_keys("rl:crm_suite.crm.web_to_lead.capture_lead")
	limit = frappe.db.get_single_value("Contact Center Settings", "web_lead_rate_limit") or 10
	statuses, leads, emails = [], [], []
	for _ in range(limit + 1):
		data = form()
		emails.append(data["email"].lower())
		r = guest_api.post(URL, data=data)
		statuses.append(r.status_code)
	frappe.db.rollback()
	# the leads of these submissions, by their addresses (not "recent Guest leads": the call webhook's tests
	# make those too on a shared site)
	for name in frappe.get_all("Lead", filters={"email_id": ("in", emails)}, pluck="name"):
		for i in frappe.get_all("Interaction", {"lead": name}, pluck="name"):
			committed(frappe.get_doc("Interaction", i))
		leads.append(committed(frappe.get_doc("Lead", name)))
	frappe.cache.delete_keys("rl:crm_suite.crm.web_to_lead.capture_lead")
	assert statuses == [200] * limit + [429]
	assert len(leads) == limit
	assert {lead.lead_owner for lead in leads} != {"Guest"}
	assert guest_api.post(URL, data=form(email="nope")).status_code == 400


def test_public_page_has_the_form_and_the_honeypot(guest_api):
	r = guest_api.get("/contact-us", params={"utm_campaign": "spring"})
	assert r.status_code == 200
	assert 'name="website_url"' in r.text and 'value="spring"' in r.text
