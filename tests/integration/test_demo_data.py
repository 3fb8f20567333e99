"""The demo data command's generator: valid records, linked the Frappe way, the same for the same seed."""

import frappe

from crm_suite.setup.demo import SCALES, make_demo

UNTIL = "2026-06-30"


def _snapshot() -> list[tuple]:
	return frappe.db.sql(
		"""select lead_name, company_name, email_id, status, source, date(creation)
		from tabLead where email_id like '%%example.com' order by creation, email_id"""
	)


def test_small_demo_makes_a_consistent_linked_year():
	before = {dt: frappe.db.count(dt) for dt in ("Lead", "Customer", "Opportunity", "Ticket")}
	after_the_year = {"creation": [">", UNTIL + " 23:59:59"]}
	later_leads = frappe.db.count("Lead", after_the_year)
	open_tickets = {"status": ["!=", "Closed"]}
	with_deadlines = {
		"response_by": ["is", "set"],
		"resolution_by": ["is", "set"],
		"agreement_status": ["is", "set"],
	}
	open_before = frappe.db.count("Ticket", open_tickets)
	with_deadlines_before = frappe.db.count("Ticket", {**open_tickets, **with_deadlines})
	result = make_demo(seed=7, scale="small", until=UNTIL)
	sizes = SCALES["small"]
	assert frappe.db.count("Lead") - before["Lead"] == sizes["leads"]
	assert frappe.db.count("Customer") - before["Customer"] == sizes["customers"]
	assert result.counts["Opportunity"] == sizes["opportunities"]

	assert result.converted_customers
	customer = frappe.get_doc("Customer", result.converted_customers[0])
	customer.run_method("onload")
	assert customer.get("__onload").contact_list, "each customer has a Contact through a Dynamic Link"
	assert customer.get("__onload").addr_list
	lead = frappe.get_doc("Lead", customer.lead)
	assert (lead.status, lead.customer) == ("Converted", customer.name)

	# Bulk rows obey the same rules as documents saved through the controllers.
	for doctype in ("Lead", "Customer", "Opportunity", "Ticket", "Campaign"):
		for name in frappe.get_all(
			doctype,
			filters={"creation": ["<=", UNTIL + " 23:59:59"]},
			pluck="name",
			limit=5,
			order_by="creation desc",
		):
			frappe.get_doc(doctype, name).save()
	open_added = frappe.db.count("Ticket", open_tickets) - open_before
	with_deadlines_added = (
		frappe.db.count("Ticket", {**open_tickets, **with_deadlines}) - with_deadlines_before
	)
	assert open_added > 0 and with_deadlines_added >= open_added, "every open demo ticket gets SLA deadlines"
	lost = frappe.get_all("Opportunity", filters={"status": "Lost"}, fields=["lost_reason"], limit=50)
	assert lost and all(row.lost_reason for row in lost)
	assert frappe.db.count("Lead", after_the_year) == later_leads, "no lead dated after the demo year"


def test_same_seed_same_data_other_seed_other_data():
	make_demo(seed=3, scale="small", until=UNTIL)
	first = _snapshot()
	frappe.db.rollback()
	make_demo(seed=3, scale="small", until=UNTIL)
	assert _snapshot() == first
	frappe.db.rollback()
	make_demo(seed=4, scale="small", until=UNTIL)
	assert _snapshot() != first


def test_unknown_scale_is_refused():
	import pytest

	with pytest.raises(frappe.ValidationError, match="Scale must be one of"):
		make_demo(scale="huge")
