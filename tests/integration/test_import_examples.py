"""The example files in docs/import/ go in through Frappe's Data Import, every row, as the role docs/import.md
names for each doctype (the files are what a company would start from, so they must import as shipped).
Their customer IDs (CUST-2026-00001, -00002) stand for the customers the customer file made, as the doc
explains; this test puts the IDs the import gave in their place. Frappe's importer commits every row, so
the test deletes everything it made."""

import json
import re
from pathlib import Path

import frappe
import pytest

from tests.integration.factories import delete_for_good, make_user, unique

DOCS = Path(__file__).resolve().parents[2] / "docs" / "import"
# In dependency order: (doctype, file, the role that imports it, submit after import)
STEPS = [
	("Product", "product.csv", "Sales Manager", False),
	("Campaign", "campaign.csv", "Marketing Manager", False),
	("Customer", "customer.csv", "Sales Manager", False),
	("Contact", "contact.csv", "Sales Manager", False),
	("Address", "address.csv", "Sales Manager", False),
	("Lead", "lead.csv", "Marketing Manager", False),
	("Opportunity", "opportunity.csv", "Sales Manager", False),
	("Ticket", "ticket.csv", "Support Manager", False),
	("Interaction", "interaction.csv", "CRM Manager", False),
	("Sales Order", "sales_order.csv", "Sales Manager", True),
]


def _import(doctype: str, content: str, submit: bool, made: list) -> list[dict]:
	from frappe.core.doctype.data_import.data_import import form_start_import

	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"{unique('example-')}.csv",
			"content": content.encode(),
			"is_private": 1,
		}
	).insert()
	data_import = frappe.get_doc(
		{
			"doctype": "Data Import",
			"reference_doctype": doctype,
			"import_type": "Insert New Records",
			"import_file": file.file_url,
			"submit_after_import": int(submit),
			"mute_emails": 1,
		}
	).insert()
	made.append(("Data Import", data_import.name, file.name))
	frappe.db.commit()
	form_start_import(data_import.name)
	logs = frappe.get_all(
		"Data Import Log",
		filters={"data_import": data_import.name},
		fields=["success", "docname", "messages", "exception", "row_indexes"],
		order_by="log_index",
	)
	for log in logs:
		if log.success:
			made.append((doctype, log.docname, None))
	return logs


@pytest.fixture
def made():
	made: list[tuple] = []
	yield made
	frappe.db.rollback()
	frappe.set_user("Administrator")
	for doctype, name, file in reversed(made):
		if doctype == "Data Import":
			frappe.db.delete("Data Import Log", {"data_import": name})
			delete_for_good("Data Import", name)
			delete_for_good("File", file)
			continue
		if not frappe.db.exists(doctype, name):
			continue
		if doctype == "Sales Order" and frappe.db.get_value(doctype, name, "docstatus") == 1:
			frappe.get_doc(doctype, name).cancel()
		for todo in frappe.get_all("ToDo", filters={"reference_type": doctype, "reference_name": name}):
			delete_for_good("ToDo", todo.name)
		for action in frappe.get_all(
			"Workflow Action", filters={"reference_doctype": doctype, "reference_name": name}, pluck="name"
		):
			delete_for_good("Workflow Action", action)
		if doctype == "User":
			frappe.db.delete("Contact Email", {"email_id": name})
			frappe.db.delete("Contact", {"email_id": name})
		delete_for_good(doctype, name)
		frappe.db.delete("Stage History", {"reference_doctype": doctype, "reference_name": name})
	frappe.db.commit()


def test_every_example_file_imports_as_its_role(made):
	from crm_suite.sales import import_pass

	users = {}
	for role in {step[2] for step in STEPS}:
		users[role] = make_user(role).name
		made.append(("User", users[role], None))
	frappe.db.commit()
	customers: list[str] = []
	for doctype, file_name, role, submit in STEPS:
		content = (DOCS / file_name).read_text()
		# the files' customer IDs -> the imported ones, in one pass (one after the other, CUST-2026-00001
		# -> CUST-2026-00002 would then be replaced again when the site already had a customer 00001)
		ids = dict(zip(("CUST-2026-00001", "CUST-2026-00002"), customers, strict=False))
		if ids:
			content = re.sub("|".join(map(re.escape, ids)), lambda m: ids[m.group(0)], content)
		frappe.set_user(users[role])
		logs = _import(doctype, content, submit, made)
		frappe.set_user("Administrator")
		failed = [
			(json.loads(log.row_indexes), log.exception or log.messages) for log in logs if not log.success
		]
		assert not failed, f"{file_name}: {failed}"
		assert logs, file_name
		if doctype == "Customer":
			customers = [log.docname for log in logs]
	# What the imported records became.
	nancy = frappe.db.get_value("Contact", {"first_name": "Nancy", "last_name": "Davolio"}, "name")
	assert frappe.db.exists("Dynamic Link", {"parent": nancy, "link_name": customers[0]})
	opportunity = frappe.get_doc("Opportunity", {"title": "Northwind network refresh"})
	assert len(opportunity.items) == 2 and opportunity.amount == 4 * 420 + 10 * 310
	assert opportunity.status == "Open" and opportunity.probability > 0
	orders = frappe.get_all(
		"Sales Order", filters={"customer": customers[0]}, fields=["docstatus", "grand_total"]
	)
	assert orders == [{"docstatus": 1, "grand_total": 2 * 420 + 1200}]
	assert frappe.db.get_value("Customer Order Summary", customers[0], "order_count") == 1
	ticket = frappe.get_doc("Ticket", {"subject": "Router drops connections every night"})
	assert ticket.status == "Open" and ticket.customer == customers[0]
	leads = frappe.get_all(
		"Lead", filters={"email_id": ["like", "%.example.com"], "import_pending": 1}, pluck="name"
	)
	assert len(leads) >= 3
	import_pass.run()
	assert not frappe.db.exists("Lead", {"name": ["in", leads], "import_pending": 1})
