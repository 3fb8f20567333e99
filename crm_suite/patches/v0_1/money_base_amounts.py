import frappe

from crm_suite.crm import money


def execute():
	"""Fill the reporting-currency amounts (Sales Order, Opportunity, Campaign) of existing documents and
	rebuild Customer Order Summary in the reporting currency. Not strict: a document whose currency has no
	rate gets conversion_rate 0, a gap the reports name (docs/money.md); it gets them when a rate is added or it is saved."""
	frappe.get_doc("DocType", "Sales Order").run_module_method("on_doctype_update")
	money.reconvert(strict=False)
