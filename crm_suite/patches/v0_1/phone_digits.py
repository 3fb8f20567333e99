import frappe
from frappe.core.doctype.data_import.data_import import import_doc

from crm_suite.setup import indexes


def execute():
	"""Leads', customers' and contacts' phone numbers got stored, indexed digits (`phone_digits`, `mobile_digits`)
	for the duplicate and caller lookups (crm_suite/sales/contact_lookup.py). This adds the Contact Phone
	field (fixtures are synced only after the patches), fills the digits of existing rows with one UPDATE
	each (the same digits `phone_digits()` keeps on save) and adds the lookup indexes. Rows that already
	hold the right digits are left alone, so it can run any number of times."""
	if not frappe.db.exists("Custom Field", "Contact Phone-phone_digits"):
		import_doc(frappe.get_app_path("crm_suite", "fixtures", "custom_field.json"))
	digits = "nullif(regexp_replace(ifnull({0}, ''), '[^0-9]', ''), '')"
	for table, pairs in (
		("tabLead", (("phone", "phone_digits"), ("mobile_no", "mobile_digits"))),
		("tabCustomer", (("phone", "phone_digits"), ("mobile_no", "mobile_digits"))),
		("tabContact Phone", (("phone", "phone_digits"),)),
	):
		for source, target in pairs:
			# raw SQL: one bulk UPDATE per column with REGEXP_REPLACE
			frappe.db.sql(
				f"""update `{table}` set `{target}` = {digits.format(source)}
				where not (`{target}` <=> {digits.format(source)})"""
			)
	indexes.apply()
