"""Support Settings with their declared defaults until an admin saves the form."""

import frappe


def support_setting(fieldname: str):
	rows = frappe.db.sql(
		"select `value` from `tabSingles` where `doctype` = 'Support Settings' and `field` = %s", fieldname
	)
	value = rows[0][0] if rows else None
	if value is None:
		field = frappe.get_meta("Support Settings").get_field(fieldname)
		value = field.default if field else None
	return value
