"""Frappe's generic count methods, answered through Frappe's own list query.

`frappe.client.get_count` counts with `frappe.db.count` (no permission check at all: any signed-in user,
portal users included, could count any doctype and, with filters, recover field values), and
`frappe.desk.listview.get_group_by_count` groups "Assigned To" over a query without record rules.
hooks.py routes both here (`override_whitelisted_methods`): the same answers, from the rows the caller
may read (role permissions, User Permissions, permission_query_conditions, the own-records option, the
portal rules). docs/security.md.
"""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.client import get_safe_filters
from frappe.desk.listview import get_group_by_count as frappe_group_by_count
from frappe.model import is_default_field


def _check_doctype(doctype) -> str:
	if not isinstance(doctype, str) or not frappe.db.exists("DocType", doctype):
		frappe.throw(_("Unknown document type"), frappe.ValidationError)
	if not frappe.has_permission(doctype, "select") and not frappe.has_permission(doctype, "read"):
		raise frappe.PermissionError(_("Not permitted to read {0}").format(_(doctype)))
	return doctype


def _list_filters(current_filters) -> list | dict:
	"""The list view's filters (JSON text, or already parsed); none when empty; a clear 4xx, not Frappe's
	500 (JSONDecodeError), when they are not a JSON list or object."""
	if current_filters in (None, ""):
		return []
	if isinstance(current_filters, str):
		try:
			current_filters = json.loads(current_filters)
		except ValueError:
			current_filters = None
	if not isinstance(current_filters, list | dict):
		frappe.throw(_("The filters must be a JSON list or object."), frappe.ValidationError)
	return current_filters


@frappe.whitelist()
@frappe.read_only()
def get_count(doctype, filters=None, debug=False, cache=False) -> int:
	"""`frappe.client.get_count`, counting only what the caller may read."""
	doctype = _check_doctype(doctype)
	rows = frappe.get_list(
		doctype, filters=get_safe_filters(filters), fields=["count(*) as n"], order_by="", limit=1
	)
	return int(rows[0].n) if rows else 0


@frappe.whitelist()
@frappe.read_only()
def get_group_by_count(doctype: str, current_filters: str, field: str) -> list[dict]:
	"""`frappe.desk.listview.get_group_by_count` (the list sidebar's counts); "Assigned To" counts only
	the records the caller may read."""
	doctype = _check_doctype(doctype)
	filters = _list_filters(current_filters)
	if field != "assigned_to":
		if not isinstance(field, str) or not (
			frappe.get_meta(doctype).has_field(field) or is_default_field(field)
		):
			frappe.throw(_("{0} is not a field of {1}").format(field, _(doctype)), frappe.ValidationError)
		# a get_list: record rules apply
		return frappe_group_by_count(doctype, json.dumps(filters), field)
	readable = frappe.get_list(
		doctype,
		filters=filters,
		fields=[f"`tab{doctype}`.`name`"],
		order_by="",
		limit_page_length=0,
		run=0,
	)
	return frappe.db.sql(
		f"""select t.allocated_to as name, count(*) as count
		from `tabToDo` t join `tabUser` u on u.name = t.allocated_to
		where t.status != 'Cancelled' and u.user_type = 'System User'
			and t.reference_type = %(doctype)s and t.reference_name in ({readable.replace("%", "%%")})
		group by t.allocated_to order by count desc limit 50""",
		{"doctype": doctype},
		as_dict=True,
	)
