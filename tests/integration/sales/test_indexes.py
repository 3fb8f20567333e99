"""The Sales indexes (crm_suite/sales/indexes.py) exist after install-app, not only after a migrate."""

import frappe

from crm_suite.sales.indexes import INDEXES, index_columns
from crm_suite.setup.install import after_install


def test_install_adds_every_sales_index_including_the_one_on_frappes_contact_email():
	"""install-app syncs the app's DocTypes (Lead/Opportunity add theirs in on_doctype_update) and then
	runs after_install; Contact Email is Frappe's, so only after_install can add crm_contact_email_id on a
	new site. A site without it (as a fresh install was) gets it from after_install."""
	frappe.db.rollback()  # DDL commits: nothing of this test's set-up may go with it
	if frappe.db.has_index("tabContact Email", "crm_contact_email_id"):
		frappe.db.sql_ddl("alter table `tabContact Email` drop index `crm_contact_email_id`")
	try:
		after_install()
		frappe.db.commit()
		for doctype, indexes in INDEXES.items():
			for name, columns in indexes.items():
				assert index_columns(f"tab{doctype}", name) == columns, (doctype, name)
	finally:
		frappe.db.add_index("Contact Email", ["email_id"], "crm_contact_email_id")  # the site keeps it
