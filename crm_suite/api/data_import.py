"""Frappe's Data Import as the importing roles share it: each sees and runs only their own imports.

Frappe gives every role with Data Import `read` every import of the site, with its file (the rows: names,
emails, phone numbers), its preview and its log; and five of its whitelisted functions take an import's
name with no permission check at all (`frappe.get_doc` checks nothing), so any signed-in user, a website
user too, could call them:
- `form_start_import`: start someone else's import, whose rows Frappe's importer then inserts as the
  caller (a Sales User, who does not import, made leads that way);
- `get_preview_from_template`: the file's rows; given `import_file`, any private file the caller names
  (the form's preview, and Frappe's ImportFile, read a File by its URL without a check);
- `get_import_status`, `download_import_log`, `download_errored_template`: counts, the log, the failed rows.

Here (hooks.py):
- `has_permission` / `query_conditions` (Data Import): a user sees and changes only the imports they made;
  System Managers see every import. Frappe's `get_import_logs` and the form follow this;
- `override_whitelisted_methods`: the five functions check the import first (reading it for the previews,
  status and logs; writing it and the `import` permission on its doctype to start it);
- `check_import_file` (the Data Import controller, crm_suite/sales/bulk_import.py): an import reads only a
  file the user may read (on save and in the preview).
"""

from __future__ import annotations

import frappe
from frappe.core.doctype.data_import import data_import as frappe_data_import

from crm_suite.sales.import_pass import validate_data_import

DOCTYPE = "Data Import"
SEES_EVERY_IMPORT = "System Manager"


def sees_every_import(user: str) -> bool:
	return user == "Administrator" or SEES_EVERY_IMPORT in frappe.get_roles(user)


def has_permission(doc, ptype=None, user=None) -> bool:
	"""Data Import has_permission hook: one's own imports (a new one is one's own)."""
	user = user or frappe.session.user
	return sees_every_import(user) or (doc.owner or user) == user


def query_conditions(user=None) -> str:
	"""Data Import permission_query_conditions: the lists and counts show one's own imports."""
	user = user or frappe.session.user
	if sees_every_import(user):
		return ""
	return f"`tabData Import`.`owner` = {frappe.db.escape(user)}"


def check_import_file(import_file: str | None) -> None:
	"""The file an import reads is one the user may read (Frappe's ImportFile reads any File by its URL)."""
	if not import_file:
		return
	# Frappe gives every upload of the same content the same file_url: any of those Files the user may read
	files = frappe.get_all("File", filters={"file_url": import_file}, pluck="name")
	if not any(frappe.has_permission("File", "read", doc=file) for file in files):
		raise frappe.PermissionError(frappe._("You are not permitted to import this file."))


def _import(name: str, ptype: str = "read"):
	doc = frappe.get_doc(DOCTYPE, name)
	doc.check_permission(ptype)
	return doc


@frappe.whitelist(methods=["POST"])
def form_start_import(data_import: str):
	"""Frappe's *Start Import*, for who may change the import and import its doctype."""
	doc = _import(data_import, "write")
	validate_data_import(doc)  # the `import` permission on its doctype
	return doc.start_import()


@frappe.whitelist()
def get_preview_from_template(data_import: str, import_file=None, google_sheets_url=None):
	_import(data_import)
	return frappe_data_import.get_preview_from_template(data_import, import_file, google_sheets_url)


@frappe.whitelist()
def get_import_status(data_import_name: str):
	_import(data_import_name)
	return frappe_data_import.get_import_status(data_import_name)


@frappe.whitelist()
def download_import_log(data_import_name: str):
	_import(data_import_name)
	return frappe_data_import.download_import_log(data_import_name)


@frappe.whitelist()
def download_errored_template(data_import_name: str):
	_import(data_import_name)
	return frappe_data_import.download_errored_template(data_import_name)
