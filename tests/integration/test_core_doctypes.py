"""The five core doctypes on a real site: what they compute and the bad input they refuse."""

import frappe
import pytest
from frappe.utils import nowdate

from tests.integration.factories import (
	make_campaign,
	make_contact,
	make_customer,
	make_lead,
	make_opportunity,
	make_product,
	make_ticket,
	unique,
)


def test_default_masters_are_installed():
	assert frappe.db.get_value("Sales Stage", "Proposal", ["stage_order", "default_probability"]) == (4, 60)
	for doctype in ("Customer Group", "Territory", "Lead Source", "Lost Reason", "Ticket Type", "Industry"):
		assert frappe.db.count(doctype) >= 4, doctype


def test_naming_series_per_doctype():
	year = nowdate()[:4]
	assert make_lead().name.startswith(f"CRM-LEAD-{year}-")
	assert make_customer().name.startswith(f"CUST-{year}-")
	assert make_opportunity().name.startswith(f"CRM-OPP-{year}-")
	assert make_ticket().name.startswith(f"TKT-{year}-")
	assert make_campaign().name.startswith(f"CAMP-{year}-")


def test_lead_email_is_stored_lower_case_and_name_is_built():
	lead = make_lead(first_name="Grace", last_name="Hopper", email_id="  Grace.Hopper@Navy.MIL ")
	assert lead.email_id == "grace.hopper@navy.mil"
	assert lead.lead_name == "Grace Hopper"
	assert lead.status == "New"


def test_lead_with_only_an_organisation_takes_its_name():
	lead = make_lead(first_name=None, last_name=None, company_name="Analytical Engines Ltd")
	assert lead.lead_name == "Analytical Engines Ltd"


@pytest.mark.parametrize("email", ["not-an-email", "ada@", "ada at example.com"])
def test_invalid_lead_email_is_refused_and_nothing_saved(email):
	before = frappe.db.count("Lead")
	with pytest.raises(frappe.InvalidEmailAddressError):
		make_lead(email_id=email)
	assert frappe.db.count("Lead") == before


def test_lead_without_any_name_is_refused():
	with pytest.raises(frappe.ValidationError, match="first name or an organisation"):
		make_lead(first_name=None, last_name=None, company_name=None)


def test_opportunity_totals_and_weighted_amount_are_computed_on_the_server():
	p1, p2 = make_product(standard_rate=100), make_product(standard_rate=50)
	opp = make_opportunity(
		sales_stage="Proposal",
		amount=1,  # ignored: lines decide the amount
		items=[{"product": p1.name, "qty": 3}, {"product": p2.name, "qty": 2, "rate": 40}],
	)
	assert [i.amount for i in opp.items] == [300, 80]
	assert opp.amount == 380
	assert opp.total_qty == 5
	assert opp.probability == 60  # from the stage
	assert opp.weighted_amount == 228
	assert opp.currency
	assert opp.title == frappe.db.get_value("Customer", opp.customer, "customer_name")


def test_changing_the_stage_takes_its_probability_unless_set_in_the_same_save():
	opp = make_opportunity(sales_stage="Prospecting")
	assert opp.probability == 10
	opp.sales_stage = "Negotiation"
	opp.save()
	assert opp.probability == 80
	opp.sales_stage, opp.probability = "Proposal", 55
	opp.save()
	assert opp.probability == 55


def test_won_records_the_close_date_and_lost_needs_a_reason():
	opp = make_opportunity()
	opp.status = "Won"
	opp.save()
	assert (str(opp.closed_on), opp.probability) == (nowdate(), 100)
	opp.status = "Open"
	opp.save()
	assert opp.closed_on is None


def test_lost_without_reason_is_refused():
	opp = make_opportunity()
	opp.status = "Lost"
	with pytest.raises(frappe.ValidationError):
		opp.save()
	assert frappe.db.get_value("Opportunity", opp.name, "status") == "Open"


@pytest.mark.parametrize("probability", [-1, 100.5, 250])
def test_probability_outside_0_to_100_is_refused(probability):
	with pytest.raises(frappe.ValidationError, match="between 0 and 100"):
		make_opportunity(probability=probability)


def test_negative_amount_is_refused():
	with pytest.raises(frappe.ValidationError, match="cannot be negative"):
		make_opportunity(amount=-5)


def test_negative_rate_on_a_line_is_refused():
	with pytest.raises(frappe.ValidationError, match="cannot be negative"):
		make_opportunity(items=[{"product": make_product().name, "qty": 1, "rate": -3}])


def test_opportunity_needs_a_lead_or_customer():
	with pytest.raises(frappe.ValidationError, match="Lead or a Customer"):
		frappe.get_doc({"doctype": "Opportunity", "title": "Orphan"}).insert()


def test_ticket_without_subject_is_refused():
	before = frappe.db.count("Ticket")
	with pytest.raises(frappe.MandatoryError):
		frappe.get_doc({"doctype": "Ticket", "description": "no subject"}).insert()
	assert frappe.db.count("Ticket") == before


def test_ticket_finds_contact_and_customer_from_the_sender_and_records_resolution():
	customer = make_customer()
	email = f"{unique()}@example.com"
	contact = make_contact(customer.name, "Linus", email=email)
	ticket = make_ticket(raised_by=email.upper())
	assert (ticket.raised_by, ticket.contact, ticket.customer) == (email, contact.name, customer.name)
	assert ticket.opening_date and not ticket.resolution_date
	ticket.status = "Resolved"
	ticket.save()
	assert ticket.resolution_date


def test_campaign_end_before_start_and_negative_budget_are_refused():
	with pytest.raises(frappe.ValidationError, match="cannot be before"):
		make_campaign(start_date="2026-05-10", end_date="2026-05-01")
	with pytest.raises(frappe.ValidationError, match="cannot be negative"):
		make_campaign(budget=-100)


def test_deleting_a_customer_with_opportunities_is_refused_and_keeps_its_contacts():
	customer = make_customer()
	contact = make_contact(customer.name, "Kept")
	make_opportunity(customer=customer.name)
	with pytest.raises(frappe.LinkExistsError):
		frappe.delete_doc("Customer", customer.name)
	assert frappe.db.exists("Contact", contact.name)


def test_deleting_a_customer_without_links_removes_its_own_contact():
	customer = make_customer()
	contact = make_contact(customer.name, "Gone")
	frappe.delete_doc("Customer", customer.name)
	assert not frappe.db.exists("Contact", contact.name)


def test_customer_connections_list_leads_opportunities_and_tickets():
	from frappe.desk.notifications import get_open_count

	customer = make_customer()
	make_opportunity(customer=customer.name)
	make_ticket(customer=customer.name)
	counts = get_open_count("Customer", customer.name)["count"]
	by_doctype = {row["doctype"]: row["count"] for row in counts["external_links_found"]}
	assert by_doctype["Opportunity"] == 1 and by_doctype["Ticket"] == 1 and by_doctype["Lead"] == 0


def test_the_site_has_a_default_currency_for_money_fields():
	from crm_suite.setup.install import ensure_default_currency

	ensure_default_currency()  # idempotent: keeps the default the install set
	currency = frappe.db.get_default("currency")
	assert currency and frappe.db.exists("Currency", currency)
	assert make_opportunity().currency == currency
