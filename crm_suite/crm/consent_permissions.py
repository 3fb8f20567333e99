"""Who reads which Channel Consent (docs/channels.md "Permissions").

A consent row names a number and, often, the lead it came from. The managers who keep consents (System,
CRM and Marketing Manager) read every row; the roles that only read them (Sales User, Support Agent) read
a row linked to a lead only when they may read that lead: under the own-records rule or a User Permission,
a row would otherwise show the phone number of a lead they may not open. Rows without a lead are read by
every reader, as before. Lists and the REST API filter with `permission_query_conditions`, single rows
are checked with `has_permission`; both only take permission away.
"""

from __future__ import annotations

import re

import frappe

MANAGERS = {"System Manager", "CRM Manager", "Marketing Manager"}
TABLE = "`tabChannel Consent`"


def _sees_every_row(user: str) -> bool:
	return user == "Administrator" or bool(MANAGERS & set(frappe.get_roles(user)))


def query_conditions(user: str | None = None) -> str:
	user = user or frappe.session.user
	if _sees_every_row(user):
		return ""
	no_lead = f"ifnull({TABLE}.`lead`, '') = ''"
	if not frappe.has_permission("Lead", "read", user=user):
		return no_lead
	# Frappe's own list query of the leads the user may read (role permissions, User Permissions,
	# permission_query_conditions); no condition at all: every lead, no subquery needed
	readable = frappe.get_list(
		"Lead", fields=["`tabLead`.`name`"], order_by="", limit_page_length=0, run=0, user=user
	)
	if not re.search(r"\bwhere\b", readable, re.IGNORECASE):
		return ""
	return f"({no_lead} or {TABLE}.`lead` in ({readable}))"


def has_permission(doc, ptype: str | None = None, user: str | None = None, debug: bool = False):
	user = user or frappe.session.user
	if not doc.get("lead") or doc.is_new() or _sees_every_row(user):
		return None
	if not frappe.db.exists("Lead", doc.lead):
		return None
	return None if frappe.has_permission("Lead", "read", doc=doc.lead, user=user) else False
