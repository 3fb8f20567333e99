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
- `file_has_permission` / `file_query_conditions` (File): the file of an import (attached to it) only for
  who may read the import: Frappe gives every public file to everyone, and the private files attached to
  Data Import to everyone who reads Data Import (the importing roles);
- `override_whitelisted_methods`: the five functions check the import first (reading it for the previews,
  status and logs; writing it and the `import` permission on its doctype to start it);
- `check_import_file` (the Data Import controller, crm_suite/sales/bulk_import.py): an import reads only a
  private file the user may read (on save and in the preview). Private, because Frappe lists every public
  file to every user whatever an app's hook says: its File condition is three ORs without parentheses,
  and Frappe joins the hooks' conditions with `and`, so `file_query_conditions` narrows only its branch of
  private files attached to a readable doctype.
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


def file_has_permission(doc, ptype=None, user=None) -> bool | None:
	"""File has_permission hook: a file attached to a Data Import only for who may read the import (Frappe's
	own rule gives every user a public file and every reader of Data Import a private one). Returns False
	to refuse, None to leave the decision to Frappe's rule (a hook's True would overrule it)."""
	user = user or frappe.session.user
	if doc.attached_to_doctype != DOCTYPE or not doc.attached_to_name or sees_every_import(user):
		return None
	owner = frappe.db.get_value(DOCTYPE, doc.attached_to_name, "owner")
	if owner and owner != user:
		return False
	return None


def file_query_conditions(user=None) -> str:
	"""File permission_query_conditions (Frappe ANDs it with its own): the lists and counts show a file
	attached to a Data Import only to who may read the import."""
	user = user or frappe.session.user
	if sees_every_import(user):
		return ""
	return (
		"(ifnull(`tabFile`.`attached_to_doctype`, '') != 'Data Import' or `tabFile`.`attached_to_name` in "
		f"(select `name` from `tabData Import` where `owner` = {frappe.db.escape(user)}))"
	)


def check_import_file(import_file: str | None) -> None:
	"""The file an import reads is one the user may read (Frappe's ImportFile reads any File by its URL)."""
	if not import_file:
		return
	# Frappe gives every upload of the same content the same file_url: any of those Files the user may read
	files = frappe.get_all("File", filters={"file_url": import_file}, fields=["name", "is_private"])
	if not any(frappe.has_permission("File", "read", doc=file.name) for file in files):
		raise frappe.PermissionError(frappe._("You are not permitted to import this file."))
	if not any(file.is_private for file in files):
		# Frappe lists a public file to every user whatever the hooks say (its File condition's ORs are not
		# parenthesized, so ours only narrows its private branch): an import's file is private
		frappe.throw(
			frappe._(
				"The file to import must be private: upload it again with Private checked (a public file is open to every user)."
			),
			title=frappe._("Public File"),
		)


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
