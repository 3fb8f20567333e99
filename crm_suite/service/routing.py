"""Routing: the "Ticket Round Robin" Assignment Rule (fixture) hands new tickets in turn to the
enabled Support Agents. Its member list is kept in step with the role."""

from __future__ import annotations

import frappe

RULE = "Ticket Round Robin"


def support_agents(exclude: str | None = None) -> list[str]:
	return frappe.db.sql_list(
		"""select distinct u.name from `tabUser` u
		join `tabHas Role` r on r.parent = u.name and r.parenttype = 'User' and r.role = 'Support Agent'
		where u.enabled = 1 and u.user_type = 'System User' and u.name not in ('Administrator', 'Guest', %s)
		order by u.name""",
		exclude or "",
	)


def sync_support_agents(exclude: str | None = None) -> None:
	"""Members = the enabled Support Agents. With none the rule is disabled: Frappe's round robin cannot
	pick from an empty list (it would fail the ticket's insert)."""
	if not frappe.db.exists("Assignment Rule", RULE):
		return
	# locked and read as last committed: tickets being assigned meanwhile write the rule (last_user, modified)
	rule = frappe.get_doc("Assignment Rule", RULE, for_update=True)
	wanted = support_agents(exclude)
	disabled = 0 if wanted else 1
	if [u.user for u in rule.users] == wanted and rule.disabled == disabled:
		return
	rule.set("users", [{"user": u} for u in wanted])
	rule.disabled = disabled
	if rule.last_user not in wanted:
		rule.last_user = None
	rule.flags.ignore_permissions = True
	rule.save()


def on_user_update(doc, method=None) -> None:
	if doc.user_type != "System User":
		return
	before = doc.get_doc_before_save()
	is_agent = doc.enabled and "Support Agent" in {r.role for r in doc.get("roles", [])}
	was_agent = bool(
		before and before.enabled and "Support Agent" in {r.role for r in before.get("roles", [])}
	)
	if is_agent != was_agent or (doc.is_new() if hasattr(doc, "is_new") else False):
		sync_support_agents()


def on_user_trash(doc, method=None) -> None:
	"""A deleted user must leave the round robin, or new tickets would be assigned to nobody (and fail)."""
	if doc.name in {
		u.user for u in frappe.get_all("Assignment Rule User", filters={"parent": RULE}, fields=["user"])
	}:
		sync_support_agents(exclude=doc.name)
