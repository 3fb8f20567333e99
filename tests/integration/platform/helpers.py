"""Shared helpers for the platform tests."""

import frappe

from crm_suite.api.openapi import app_doctypes

# No Sales User / Support Agent: those join the round-robin assignment rules, which keep pointing at a
# deleted user (`last_user`) after the test removes it.
API_ROLES = ("CRM Manager", "Sales Manager", "Support Manager", "Marketing Manager")
# Core records a user's actions leave behind (conversion makes contacts and addresses, sending mail makes
# communications and queue entries).
CORE_DOCTYPES = ("Contact", "Address", "ToDo", "Communication", "Email Queue", "Notification Log", "File")
LOG_DOCTYPES = ("Version", "Comment", "Activity Log", "Deleted Document", "Error Log", "Access Log")


def delete_records_owned_by(user: str) -> None:
	"""Remove everything a test user created through the live server (the server committed it)."""
	frappe.db.rollback()
	frappe.set_user("Administrator")
	doctypes = [dt.name for dt in app_doctypes() if not (dt.istable or dt.issingle or dt.is_virtual)]
	pending = [
		(dt, name)
		for dt in [*doctypes, *CORE_DOCTYPES]
		for name in frappe.get_all(dt, {"owner": user}, pluck="name")
	]
	# records link to each other (an opportunity to its customer): delete what can go, then retry the rest
	while pending:
		left = []
		for doctype, name in pending:
			try:
				frappe.delete_doc(doctype, name, force=True, ignore_permissions=True, delete_permanently=True)
			except frappe.LinkExistsError:
				frappe.db.rollback()
				left.append((doctype, name))
			else:
				frappe.db.commit()
		if len(left) == len(pending):
			raise RuntimeError(f"could not delete {left}")
		pending = left
	for doctype in LOG_DOCTYPES:
		frappe.db.delete(doctype, {"owner": user})
	frappe.db.commit()
