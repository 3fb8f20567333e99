"""Record-level visibility of leads and opportunities (CRM Settings → "Sales Users see only their own
leads and opportunities", off by default).

When it is on, a *restricted* user (one with the Sales User role but none of Sales Manager, CRM Manager
and System Manager) sees, edits and converts only the leads and opportunities that are theirs: created by
them (`owner`), owned by them (`lead_owner` / `opportunity_owner`) or assigned to them (`_assign`).
Lists and the REST API filter with `permission_query_conditions`, single records are checked with
`has_permission`. Both only ever take permission away: Frappe's role permissions and User Permissions
(e.g. a Sales User restricted to one Territory or Lead Source) apply as usual on top.
"""

import frappe
from frappe.utils import cint

from crm_suite.utils.singles import fresh_single_value

SETTING = "sales_users_see_own_records"
UNRESTRICTED_ROLES = {"Sales Manager", "CRM Manager", "System Manager"}
OWNER_FIELD = {"Lead": "lead_owner", "Opportunity": "opportunity_owner"}


def setting_on(lock: bool = False) -> bool:
	"""The CRM Settings option, read afresh (it may change in this transaction); off on a site that
	has not been migrated to the version with the option yet. `lock`: a shared-lock read, for a write
	that depends on it (switching the option on waits for that transaction's commit)."""
	return bool(cint(fresh_single_value("CRM Settings", SETTING, lock=lock)))


def is_restricted(user: str | None = None) -> bool:
	"""Whether the own-records rule applies to `user`."""
	user = user or frappe.session.user
	if user == "Administrator" or not setting_on():
		return False
	roles = set(frappe.get_roles(user))
	return "Sales User" in roles and not roles & UNRESTRICTED_ROLES


def is_own(doc, user: str) -> bool:
	assigned = frappe.parse_json(doc.get("_assign") or "[]") or []
	return user in (doc.get("owner"), doc.get(OWNER_FIELD[doc.doctype])) or user in assigned


def query_conditions(doctype: str, user: str | None = None, table: str | None = None) -> str:
	"""The own-records condition on `table` (default `tabDoctype`; the Sales reports pass their alias),
	or "" when the rule does not apply to the user."""
	user = user or frappe.session.user
	if not is_restricted(user):
		return ""
	table, quoted = table or f"`tab{doctype}`", frappe.db.escape(user)
	literal = user.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")  # LIKE wildcards
	# escape() doubles %: the reports format their SQL with parameters, which halves them again
	assigned = frappe.db.escape(f'%"{literal}"%')
	return (
		f"({table}.`owner` = {quoted} or {table}.`{OWNER_FIELD[doctype]}` = {quoted}"
		f" or {table}.`_assign` like {assigned})"
	)


def has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	"""False for a restricted user on someone else's record; None (no objection: the other checks
	decide) otherwise. New records are always theirs to create."""
	user = user or frappe.session.user
	if ptype == "create" or doc.is_new() or not is_restricted(user) or is_own(doc, user):
		return None
	return False


def lead_query_conditions(user: str | None = None) -> str:
	return query_conditions("Lead", user)


def opportunity_query_conditions(user: str | None = None) -> str:
	return query_conditions("Opportunity", user)


def has_lead_permission(doc, ptype: str | None = None, user: str | None = None, debug: bool = False):
	return has_permission(doc, ptype, user)


def has_opportunity_permission(doc, ptype: str | None = None, user: str | None = None, debug: bool = False):
	return has_permission(doc, ptype, user)
