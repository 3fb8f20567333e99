"""Records that live on another record follow it: a user sees (and, with the role's write permission,
changes) a CRM Activity or a Stage History row only when they may read the Lead, Opportunity, Customer
or Ticket it is on.

Lists, counts, reports and REST go through `permission_query_conditions` (hooks.py): for each record
doctype the condition is left out when the user may read every record of it, `reference_doctype != …`
when they may read none, and otherwise `reference_name in (<Frappe's own list query for that doctype>)`,
which carries every record rule Frappe applies there (the own-records option of CRM Settings, User
Permissions, permission-query hooks and Server Scripts, shares), as the customer timeline does
(`crm_suite.crm.timeline.readable_names`). Single documents go through `has_permission`.
"""

from __future__ import annotations

from contextlib import contextmanager

import frappe
from frappe.model.db_query import DatabaseQuery

ACTIVITY_RECORDS = ("Lead", "Opportunity", "Customer", "Ticket")
STAGE_RECORDS = ("Lead", "Opportunity")


@contextmanager
def memoised_rules():
	"""Within the block, each user's readable-record subqueries are built once (a page such as My Day
	lists activities several times; each list would otherwise rebuild four queries)."""
	previous = getattr(frappe.local, "crm_record_rules", None)
	frappe.local.crm_record_rules = {}
	try:
		yield
	finally:
		frappe.local.crm_record_rules = previous


def readable_subquery(doctype: str, user: str) -> str:
	"""SQL selecting the names of the `doctype` records `user` may read (Frappe's list query), or ""
	when no record-level rule applies to them. The caller has checked the role permission."""
	cache = getattr(frappe.local, "crm_record_rules", None)
	key = (doctype, user)
	if cache is not None and key in cache:
		return cache[key]
	kw = {"fields": ["name"], "order_by": "", "limit_page_length": 0, "run": 0}
	readable = DatabaseQuery(doctype, user=user).execute(user=user, **kw)
	everything = DatabaseQuery(doctype, user=user).execute(ignore_permissions=True, **kw)
	rule = "" if readable == everything else readable
	if cache is not None:
		cache[key] = rule
	return rule


def record_conditions(table: str, doctypes: tuple[str, ...], user: str) -> str:
	"""The condition on `table` (with reference_doctype / reference_name) keeping the rows whose record
	`user` may read; "" when that is every row."""
	parts = [f"{table}.`reference_doctype` in ({', '.join(frappe.db.escape(d) for d in doctypes)})"]
	for doctype in doctypes:
		other = f"{table}.`reference_doctype` != {frappe.db.escape(doctype)}"
		if not frappe.has_permission(doctype, "read", user=user):
			parts.append(other)
		elif rule := readable_subquery(doctype, user):
			parts.append(f"({other} or {table}.`reference_name` in ({rule}))")
	return "(" + " and ".join(parts) + ")" if len(parts) > 1 else ""


def may_read_record(doctype: str | None, name: str | None, user: str) -> bool:
	if not doctype or not name:
		return False
	return bool(frappe.has_permission(doctype, "read", doc=name, user=user))


def _has_permission(doc, records: tuple[str, ...], ptype: str | None, user: str | None) -> bool | None:
	user = user or frappe.session.user
	if user == "Administrator":
		return None
	if not doc.get("reference_doctype") or not doc.get("reference_name"):
		return None  # a new document not filled in yet: its validation refuses it
	if doc.reference_doctype not in records:
		return False
	if not frappe.db.exists(doc.reference_doctype, doc.reference_name):
		return None  # validation says the record is missing
	return None if may_read_record(doc.reference_doctype, doc.reference_name, user) else False


def _session_conditions(table: str, doctypes: tuple[str, ...], user: str | None) -> str:
	"""`record_conditions` for `user` (default: the session's); none for Administrator."""
	user = user or frappe.session.user
	return "" if user == "Administrator" else record_conditions(table, doctypes, user)


# ------------------------------------------------------------------ hooks (hooks.py)
def activity_query_conditions(user: str | None = None) -> str:
	return _session_conditions("`tabCRM Activity`", ACTIVITY_RECORDS, user)


def has_activity_permission(doc, ptype: str | None = None, user: str | None = None, debug: bool = False):
	return _has_permission(doc, ACTIVITY_RECORDS, ptype, user)


def stage_history_query_conditions(user: str | None = None) -> str:
	return _session_conditions("`tabStage History`", STAGE_RECORDS, user)


def has_stage_history_permission(doc, ptype: str | None = None, user: str | None = None, debug: bool = False):
	return _has_permission(doc, STAGE_RECORDS, ptype, user)


# Interactions (calls, emails, meetings, web forms) follow the record they are on the same way; one on no
# record, or on another kind of record, is left to the role permissions.
def interaction_query_conditions(user: str | None = None) -> str:
	rule = _session_conditions("`tabInteraction`", ACTIVITY_RECORDS, user)
	if not rule:
		return ""
	records = ", ".join(frappe.db.escape(d) for d in ACTIVITY_RECORDS)
	return f"(ifnull(`tabInteraction`.`reference_doctype`, '') not in ({records}) or {rule})"


def has_interaction_permission(doc, ptype: str | None = None, user: str | None = None, debug: bool = False):
	if doc.get("reference_doctype") not in ACTIVITY_RECORDS:
		return None
	return _has_permission(doc, ACTIVITY_RECORDS, ptype, user)
