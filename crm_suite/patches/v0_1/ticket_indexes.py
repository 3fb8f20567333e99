import frappe


def execute():
	"""Tickets got indexes (status/agreement_status, customer, raised_by, …) after sites were made; they
	are declared in Ticket's on_doctype_update, which runs only when the DocType is saved. `add_index`
	skips an index that exists, so this runs any number of times."""
	if frappe.db.table_exists("Ticket"):
		from crm_suite.service.doctype.ticket.ticket import on_doctype_update

		on_doctype_update()
