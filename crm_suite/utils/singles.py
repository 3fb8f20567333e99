"""A Single DocType's stored value, read from the table."""

import frappe


def fresh_single_value(doctype: str, fieldname: str, lock: bool = False) -> str | None:
	"""The value as stored now (not Frappe's cached document: it may have changed in this transaction);
	None when it was never stored. `lock`: a shared-lock read (the latest committed value, and a save of
	the Single waits for this transaction's commit), on the (doctype, field) index."""
	if lock:
		rows = frappe.db.sql(
			"select value from `tabSingles` where doctype = %s and field = %s lock in share mode",
			(doctype, fieldname),
		)
		return rows[0][0] if rows else None
	singles = frappe.qb.DocType("Singles")
	rows = (
		frappe.qb.from_(singles)
		.select(singles.value)
		.where((singles["doctype"] == doctype) & (singles["field"] == fieldname))
		.run()
	)
	return rows[0][0] if rows else None
