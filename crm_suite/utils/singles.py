"""A Single DocType's stored value, read from the table."""

import frappe


def fresh_single_value(doctype: str, fieldname: str) -> str | None:
	"""The value as stored now (not Frappe's cached document: it may have changed in this transaction);
	None when it was never stored."""
	singles = frappe.qb.DocType("Singles")
	rows = (
		frappe.qb.from_(singles)
		.select(singles.value)
		.where((singles["doctype"] == doctype) & (singles["field"] == fieldname))
		.run()
	)
	return rows[0][0] if rows else None
