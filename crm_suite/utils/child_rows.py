"""Child table rows follow their parent document in lists (the `permission_query_conditions` hook "*").

Frappe answers a list of a child table (`/api/method/frappe.client.get_list` with `doctype="Contact Email"`,
`parent="Contact"`, and every other door to `frappe.get_list` on a child doctype) after checking only that
the caller may read *some* document of the parent doctype: every row of every parent came back. A portal
user (role All reads the Contacts they made) got every Contact's emails, phones and customer links and
every user's roles; a Sales User under the own-records option the duplicate matches of others' leads; a
Sales Manager limited to one customer the items of other customers' orders; a Sales User the members of
segments, a table of permission level 1 they may not read in the form.

Here a child row shows only when the caller may read its parent document (Frappe's own list query for
the parent doctype, so every record rule of the parent applies: User Permissions, the app's
`permission_query_conditions`, if-owner rules, shares) and the permission level of the parent's table
field. Nothing changes for a caller who may read every parent document and field (no condition at all).
"""

from __future__ import annotations

import frappe

from crm_suite.activities.permissions import readable_subquery

NONE = "1 = 0"


def table_fields(child_doctype: str) -> list[tuple[str, str, int]]:
	"""(parent doctype, table fieldname, permission level) of every table field holding `child_doctype`."""
	tables = ("Table", "Table MultiSelect")
	standard = frappe.get_all(
		"DocField",
		filters={"options": child_doctype, "fieldtype": ("in", tables), "parenttype": "DocType"},
		fields=["parent", "fieldname", "permlevel"],
		order_by="parent, fieldname",
	)
	custom = frappe.get_all(
		"Custom Field",
		filters={"options": child_doctype, "fieldtype": ("in", tables)},
		fields=["dt as parent", "fieldname", "permlevel"],
		order_by="dt, fieldname",
	)
	return [(row.parent, row.fieldname, row.permlevel or 0) for row in [*standard, *custom]]


def query_conditions(user: str | None = None, doctype: str | None = None, **kwargs) -> str:
	"""The list condition on a child doctype's rows for `user`; "" for any other doctype (and when the
	user may read every parent document and table field)."""
	user = user or frappe.session.user
	if not doctype or user == "Administrator" or not frappe.get_meta(doctype).istable:
		return ""
	table = f"`tab{doctype}`"
	by_parent: dict[str, list[tuple[str, int]]] = {}
	for parent, fieldname, permlevel in table_fields(doctype):
		by_parent.setdefault(parent, []).append((fieldname, permlevel))
	parts, restricted = [], False
	for parent, fields in by_parent.items():
		meta = frappe.get_meta(parent)
		if meta.istable or not frappe.has_permission(parent, "read", user=user):
			restricted = True
			continue
		levels = set(meta.get_permlevel_access("read", user=user))
		# the level as the parent's meta has it (a Property Setter may have changed it)
		readable = [f for f, level in fields if getattr(meta.get_field(f), "permlevel", level) in levels]
		if len(readable) < len(fields):
			restricted = True
		if not readable:
			continue
		rule = "" if meta.issingle or meta.is_virtual else readable_subquery(parent, user)
		restricted = restricted or bool(rule)
		part = (
			f"{table}.`parenttype` = {frappe.db.escape(parent)} and {table}.`parentfield` in "
			f"({', '.join(frappe.db.escape(f) for f in readable)})"
		)
		parts.append(f"({part} and {table}.`parent` in ({rule}))" if rule else f"({part})")
	if not restricted:
		return ""
	return "(" + " or ".join(parts) + ")" if parts else NONE
