"""Runs the language journeys (tests/e2e/languages.test.mjs) against the test server: an Italian Sales User
(under the own-records rule, owning one lead) in the desk, a Bosnian portal user on /support. Everything
made for them is deleted afterwards. Screenshots: tests/e2e/screenshots/i18n-*.png (copies in docs/)."""

import frappe
from frappe.utils.password import update_password

from crm_suite.utils.i18n import compile_catalogues
from tests.integration.factories import delete_for_good, make_lead, make_ticket, make_user
from tests.integration.platform.helpers import E2E, delete_records_owned_by, e2e_node, run_journeys
from tests.integration.service.helpers import make_portal_customer


def test_language_journeys(server, committed):
	node = e2e_node()
	compile_catalogues()

	it_password, bs_password = frappe.generate_hash(length=20), frappe.generate_hash(length=20)
	seller = committed(make_user("Sales User"))
	frappe.db.set_value("User", seller.name, "language", "it")
	update_password(seller.name, it_password)
	lead = committed(make_lead(lead_owner=seller.name, source="Cold Call"))

	party = make_portal_customer()
	for doc in (party.customer, party.user, party.contact):
		committed(doc)
	frappe.db.set_value("User", party.user.name, "language", "bs")
	update_password(party.user.name, bs_password)
	ticket = committed(make_ticket(customer=party.customer.name, raised_by=party.email))
	frappe.db.commit()

	env = {
		"CRM_E2E_IT_USER": seller.name,
		"CRM_E2E_IT_PASSWORD": it_password,
		"CRM_E2E_IT_LEAD": lead.name,
		"CRM_E2E_BS_USER": party.email,
		"CRM_E2E_BS_PASSWORD": bs_password,
		"CRM_E2E_BS_TICKET": ticket.name,
	}
	try:
		result = run_journeys(node, "languages.test.mjs", server.url, env)
	finally:
		delete_records_owned_by(seller.name)
		delete_records_owned_by(party.user.name)
		# Frappe gives every new website user a Contact of its own: remove it too
		for contact in frappe.get_all("Contact Email", filters={"email_id": party.email}, pluck="parent"):
			if contact != party.contact.name and frappe.db.exists("Contact", contact):
				delete_for_good("Contact", contact)
		frappe.db.commit()
	assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-3000:]
	shots = {p.name for p in (E2E / "screenshots").glob("i18n-*.png")}
	assert {
		"i18n-01-workspace-it.png",
		"i18n-02-lead-form-it.png",
		"i18n-03-sales-funnel-it.png",
		"i18n-04-support-bs.png",
	} <= shots
