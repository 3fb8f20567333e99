"""Frappe's generic count and link methods, answered through Frappe's own list query.

`frappe.client.get_count` counts with `frappe.db.count` (no permission check at all: any signed-in user,
portal users included, could count any doctype and, with filters, recover field values);
`frappe.desk.listview.get_group_by_count` groups "Assigned To" over a query without record rules;
`frappe.desk.notifications.get_open_count` (a form dashboard's counts of linked records) counts with
`frappe.get_all`; `frappe.desk.form.linked_with.get_submitted_linked_docs` drops the answer of its
permission check. hooks.py routes the four here (`override_whitelisted_methods`): the same answers, from
the rows the caller may read (role permissions, User Permissions, permission_query_conditions, the
own-records option, the portal rules). docs/security.md.
"""

from __future__ import annotations

import json
from contextlib import contextmanager

import frappe
from frappe import _
from frappe.desk.listview import get_group_by_count as frappe_group_by_count
from frappe.model import default_fields
from pymysql.err import DataError, InternalError, OperationalError, ProgrammingError


def _filters(value):
	"""Filters as Frappe's list takes them (a dict or a list), or a 400."""
	if value in (None, ""):
		return None
	if isinstance(value, str):
		try:
			value = json.loads(value)
		except ValueError:
			frappe.throw(_("Filters must be JSON."), frappe.ValidationError, title=_("Invalid Filters"))
	if not isinstance(value, dict | list):
		frappe.throw(
			_("Filters must be a list or an object."), frappe.ValidationError, title=_("Invalid Filters")
		)
	return value


@contextmanager
def bad_filters_are_400():
	"""A filter Frappe cannot build a query from is the caller's mistake: a 400, not a 500."""
	try:
		yield
	except (TypeError, ValueError, KeyError, IndexError, AttributeError, DataError, ProgrammingError) as e:
		frappe.throw(_("Invalid filters: {0}").format(str(e)[:200]), frappe.ValidationError)
	except (InternalError, OperationalError) as e:
		if frappe.db.is_deadlocked(e) or frappe.db.is_timedout(e):
			raise
		frappe.throw(_("Invalid filters: {0}").format(str(e)[:200]), frappe.ValidationError)


def _check_doctype(doctype) -> str:
	if not isinstance(doctype, str) or not frappe.db.exists("DocType", doctype):
		frappe.throw(_("Unknown document type"), frappe.ValidationError)
	if not frappe.has_permission(doctype, "select") and not frappe.has_permission(doctype, "read"):
		raise frappe.PermissionError(_("Not permitted to read {0}").format(_(doctype)))
	return doctype


@frappe.whitelist()
def get_count(doctype, filters=None, debug=False, cache=False) -> int:
	"""`frappe.client.get_count`, counting only what the caller may read; on the primary, as Frappe's
	(a count right after a write sees it; reports run on the replica)."""
	doctype = _check_doctype(doctype)
	with bad_filters_are_400():
		rows = frappe.get_list(
			doctype, filters=_filters(filters), fields=["count(*) as n"], order_by="", limit=1
		)
	return int(rows[0].n) if rows else 0


@frappe.whitelist()
def get_group_by_count(doctype: str, current_filters: str, field: str) -> list[dict]:
	"""`frappe.desk.listview.get_group_by_count` (the list sidebar's counts); "Assigned To" counts only
	the records the caller may read."""
	doctype = _check_doctype(doctype)
	filters = _filters(current_filters) or []
	if field != "assigned_to":
		if not isinstance(field, str) or not (
			frappe.get_meta(doctype).has_field(field) or field in default_fields
		):
			frappe.throw(_("{0} has no field {1}").format(_(doctype), field), frappe.ValidationError)
		with bad_filters_are_400():  # a get_list: record rules apply
			return frappe_group_by_count(doctype, json.dumps(filters), field)
	with bad_filters_are_400():
		readable = frappe.get_list(
			doctype,
			filters=filters,
			fields=[f"`tab{doctype}`.`name`"],
			order_by="",
			limit_page_length=0,
			run=0,
		)
	# raw SQL: the IN subquery is the text of frappe.get_list's own query (run=0) for the caller's filters
	with bad_filters_are_400():
		return frappe.db.sql(
			f"""select t.allocated_to as name, count(*) as count
			from `tabToDo` t join `tabUser` u on u.name = t.allocated_to
			where t.status != 'Cancelled' and u.user_type = 'System User'
				and t.reference_type = %(doctype)s and t.reference_name in ({readable.replace("%", "%%")})
			group by t.allocated_to order by count desc limit 50""",
			{"doctype": doctype},
			as_dict=True,
		)


def _items(items) -> list[str]:
	"""The doctypes whose counts the form's dashboard asks for (a JSON list of names), or a 400."""
	if isinstance(items, str):
		try:
			items = json.loads(items)
		except ValueError:
			frappe.throw(_("Items must be a JSON list of document types."), frappe.ValidationError)
	if not isinstance(items, list) or not all(isinstance(d, str) for d in items):
		frappe.throw(_("Items must be a JSON list of document types."), frappe.ValidationError)
	return items


def _readable_count(doctype: str, filters: dict) -> int:
	"""What Frappe's dashboard counts (distinct names, at most 100), of the records the caller may read."""
	if not frappe.has_permission(doctype, "read"):
		return 0
	with bad_filters_are_400():
		return len(
			frappe.get_list(
				doctype, fields=["name"], filters=filters, limit=100, distinct=True, ignore_ifnull=True
			)
		)


def _external_links(doctype: str, name: str, links) -> dict:
	from frappe.desk.notifications import get_dynamic_link_filters, get_filters_for

	if not frappe.db.exists("DocType", doctype):
		frappe.throw(_("Unknown document type"), frappe.ValidationError)
	fieldname = links.get("non_standard_fieldnames", {}).get(doctype, links.get("fieldname"))
	if not fieldname or not frappe.get_meta(doctype).has_field(fieldname):
		frappe.throw(_("{0} has no field {1}").format(_(doctype), fieldname), frappe.ValidationError)
	filters = {fieldname: name}
	if dynamic_link_filters := get_dynamic_link_filters(doctype, links, fieldname):
		filters.update(dynamic_link_filters)
	total = _readable_count(doctype, filters)
	open_count = 0
	if open_count_filters := get_filters_for(doctype):
		filters.update(open_count_filters)
		open_count = _readable_count(doctype, filters)
	return {"doctype": doctype, "count": total, "open_count": open_count}


@frappe.whitelist()
@frappe.read_only()
def get_open_count(doctype: str, name: str, items=None) -> dict:
	"""`frappe.desk.notifications.get_open_count`: the counts of linked records on a form's dashboard (a
	Customer's leads, opportunities, tickets), each counted with `frappe.get_list`, so only the records the
	caller may read (Frappe counts them with `frappe.get_all`: with the own-records option a Sales User saw
	how many leads and opportunities others have with a customer, and any doctype named in `items`)."""
	from frappe.desk.notifications import get_internal_links

	if frappe.flags.in_migrate or frappe.flags.in_install:
		return {"count": []}
	if not isinstance(doctype, str) or not frappe.db.exists("DocType", doctype):
		frappe.throw(_("Unknown document type"), frappe.ValidationError)
	doc = frappe.get_doc(doctype, name)
	doc.check_permission()
	meta = doc.meta
	links = meta.get_dashboard_data()
	if items is None:
		items = [item for group in links.transactions for item in group.get("items")]
	found = {"external_links_found": [], "internal_links_found": []}
	internal_links = {**links.get("internal_and_external_links", {}), **links.get("internal_links", {})}
	for d in _items(items):
		internal = internal_links.get(d)
		if not internal:
			found["external_links_found"].append(_external_links(d, name, links))
			continue
		data = get_internal_links(doc, internal, d)
		if data["count"]:
			found["internal_links_found"].append(data)
			continue
		try:
			found["external_links_found"].append(_external_links(d, name, links))
		except frappe.ValidationError:
			found["external_links_found"].append({"doctype": d, "open_count": 0, "count": 0})
	out = {"count": found}
	if not meta.custom:
		module = frappe.get_meta_module(doctype)
		if hasattr(module, "get_timeline_data"):
			out["timeline_data"] = module.get_timeline_data(doctype, name)
	return out


@frappe.whitelist()
def get_submitted_linked_docs(doctype: str, name: str) -> dict:
	"""`frappe.desk.form.linked_with.get_submitted_linked_docs` (the desk's "Cancel All Documents" dialog):
	the submitted documents linked to a document, for a caller who may read it, and only those they may
	read. Frappe drops the answer of its own permission check and walks the links with `frappe.get_all`:
	any signed-in user, portal users included, got the names of any customer's submitted orders."""
	from frappe.desk.form.linked_with import get_submitted_linked_docs as frappe_linked_docs

	if not isinstance(doctype, str) or not frappe.db.exists("DocType", doctype):
		frappe.throw(_("Unknown document type"), frappe.ValidationError)
	frappe.has_permission(doctype, "read", doc=name, throw=True)
	docs = [
		d
		for d in frappe_linked_docs(doctype, name)["docs"]
		if frappe.has_permission(d["doctype"], "read", doc=d["name"])
	]
	return {"docs": docs, "count": len(docs)}
