import frappe


def execute():
	"""Indexes declared in `on_doctype_update` are only made when a DocType is saved; sites that had these
	doctypes before their indexes were declared get them here (`add_index` skips existing ones)."""
	for doctype in ("Sales Order", "Sales Order Item", "Interaction"):
		if frappe.db.table_exists(doctype):
			frappe.get_doc("DocType", doctype).run_module_method("on_doctype_update")
