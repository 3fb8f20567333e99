"""Support Settings with their declared defaults until an admin saves the form."""

import frappe

from crm_suite.utils.singles import fresh_single_value


def support_setting(fieldname: str):
	value = fresh_single_value("Support Settings", fieldname)
	if value is None:
		field = frappe.get_meta("Support Settings").get_field(fieldname)
		value = field.default if field else None
	return value
