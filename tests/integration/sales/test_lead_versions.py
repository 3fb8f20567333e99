"""A lead's Version history (Lead tracks changes) is Frappe's, though an insert skips building an empty one."""

import frappe

from tests.integration.factories import make_lead, make_user


def versions(lead: str) -> list[dict]:
	return [
		frappe.parse_json(data)
		for data in frappe.get_all(
			"Version", {"ref_doctype": "Lead", "docname": lead}, pluck="data", order_by="creation"
		)
	]


def test_a_sales_users_edit_of_a_lead_is_in_its_version_history():
	frappe.set_user(make_user("Sales User").name)
	lead = make_lead()
	assert versions(lead.name) == []  # Frappe stores no Version for a plain insert either

	lead.company_name = "Acme Ltd"
	lead.save(ignore_version=False)  # Frappe keeps no versions in tests unless asked
	(change,) = versions(lead.name)
	assert ["company_name", None, "Acme Ltd"] in change["changed"]


def test_an_insert_with_an_updater_reference_gets_frappes_version():
	frappe.set_user(make_user("Sales User").name)
	lead = frappe.get_doc(
		{"doctype": "Lead", "first_name": "Ada", "email_id": f"{frappe.generate_hash(length=8)}@example.com"}
	)
	lead.flags.updater_reference = {"doctype": "Data Import", "docname": "an-import", "label": "an import"}
	lead.insert()
	(created,) = versions(lead.name)
	assert created["updater_reference"]["docname"] == "an-import"
