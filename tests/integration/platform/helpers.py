"""Shared helpers for the platform tests."""

import frappe

from crm_suite.api.openapi import app_doctypes

API_ROLES = ("CRM Manager", "Sales Manager", "Support Manager", "Marketing Manager", "Sales User", "Support Agent")


def delete_records_owned_by(user: str) -> None:
	"""Remove everything a test user created through the live server (the server committed it)."""
	frappe.db.rollback()
	frappe.set_user("Administrator")
	for dt in app_doctypes():
		if dt.istable or dt.issingle or dt.is_virtual:
			continue
		for name in frappe.get_all(dt.name, filters={"owner": user}, pluck="name"):
			frappe.delete_doc(dt.name, name, force=True, ignore_permissions=True, delete_permanently=True)
	for log in ("Version", "Comment", "Activity Log", "Communication", "Deleted Document", "Error Log"):
		frappe.db.delete(log, {"owner": user})
	frappe.db.commit()
