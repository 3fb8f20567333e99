"""The demo data command's generator: valid records, linked the Frappe way, the same for the same seed."""

import frappe

from crm_suite.setup.demo import SCALES, make_demo

UNTIL = "2026-06-30"


def _snapshot() -> list[tuple]:
	return frappe.db.sql(
		"""select lead_name, company_name, email_id, status, source, date(creation)
		from tabLead where email_id like '%%example.com' order by creation, email_id"""
	)


def test_small_demo_makes_a_consistent_linked_year_the_same_for_the_same_seed():
	"""One seed's build is checked for consistency and then built again to compare (each small build
	takes about 7 s, so the checks share it); another seed's build must differ."""
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
	result = make_demo(seed=3, scale="small", until=UNTIL)
	first = _snapshot()  # before the saves below touch any row
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

	# same seed, same data; another seed, other data
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


def test_bosnian_demo_data_with_bam_and_eur_converted_to_the_reporting_currency():
	"""--locale bs: Bosnian names, cities, +387 numbers, BAM (and some EUR) customers; every amount is
	converted with the demo's rates (this site's reporting currency is EUR, BAM or USD)."""
	from crm_suite.crm.money import reporting_currency

	assert reporting_currency() in ("EUR", "BAM", "USD")
	result = make_demo(seed=11, scale="small", until=UNTIL, locale="bs")
	customers = result.converted_customers
	phones = frappe.get_all("Customer", filters={"name": ("in", customers)}, pluck="phone")
	assert phones and all(p.startswith("+3876") for p in phones)
	orders = frappe.get_all(
		"Sales Order",
		filters={"customer": ("in", customers)},
		fields=["currency", "grand_total", "base_grand_total", "conversion_rate"],
	)
	currencies = [o.currency for o in orders]
	assert currencies.count("BAM") > len(orders) / 2 and "EUR" in currencies
	assert all(o.conversion_rate > 0 for o in orders), "no gap"
	for o in orders:
		assert abs(o.base_grand_total - o.grand_total * o.conversion_rate) < 0.01
	addresses = frappe.get_all(
		"Dynamic Link",
		filters={"parenttype": "Address", "link_name": ("in", customers)},
		pluck="parent",
	)
	countries = set(frappe.get_all("Address", filters={"name": ("in", addresses)}, pluck="country"))
	assert "Bosnia and Herzegovina" in countries
	assert frappe.db.exists("Exchange Rate", {"from_currency": "EUR", "to_currency": "BAM"})
	summary = frappe.db.get_value("Customer Order Summary", customers[0], "lifetime_value")
	own = sum(
		o.base_grand_total
		for o in frappe.get_all(
			"Sales Order",
			filters={"customer": customers[0], "docstatus": 1},
			fields=["base_grand_total"],
		)
	)
	assert summary is None and own == 0 or abs(summary - own) < 0.01


def test_unknown_locale_is_refused():
	import pytest

	with pytest.raises(frappe.ValidationError, match="Locale must be one of"):
		make_demo(locale="xx")
