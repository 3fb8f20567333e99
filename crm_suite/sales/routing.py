"""Lead routing: the "Lead Round Robin" Assignment Rule (a fixture) assigns new leads in turn to the
enabled system users with the Sales User role.

Frappe's round robin needs an explicit user list, and a fixture can't know a site's users, so the list is
kept equal to the Sales Users here: after every migrate (after the fixture is synced) and whenever a user
is saved or deleted. The rule is enabled while it has users and disabled while it has none (an enabled
round robin without users would fail every new lead).
"""

import frappe

RULE = "Lead Round Robin"
ROLE = "Sales User"


def sales_users(exclude: str | None = None) -> list[str]:
	return frappe.db.sql_list(
		"""select distinct u.name from `tabUser` u
		join `tabHas Role` r on r.parent = u.name and r.parenttype = 'User' and r.role = %s
		where u.enabled = 1 and u.user_type = 'System User' and u.name not in ('Administrator', 'Guest', %s)
		order by u.name""",
		(ROLE, exclude or ""),
	)


def sync_round_robin_users(exclude: str | None = None) -> None:
	"""Make the rule's users the current Sales Users (no-op when the rule is absent or already in step)."""
	if not frappe.db.exists("Assignment Rule", RULE):
		return
	# locked and read as last committed: leads being assigned meanwhile write the rule (last_user, modified)
	rule = frappe.get_doc("Assignment Rule", RULE, for_update=True)
	users = sales_users(exclude)
	current = [row.user for row in rule.users]
	disabled = 0 if users else 1
	if current == users and rule.disabled == disabled:
		return
	rule.set("users", [{"user": u} for u in users])
	rule.disabled = disabled
	if rule.last_user and rule.last_user not in users:
		rule.last_user = None
	rule.flags.ignore_permissions = True
	rule.save()


def on_user_change(doc, method=None) -> None:
	"""User doc event: keep the round robin in step when someone gains, loses or leaves the Sales User role."""
	in_rule = bool(frappe.db.exists("Assignment Rule User", {"parent": RULE, "user": doc.name}))
	is_seller = (
		method != "on_trash"
		and doc.enabled
		and doc.user_type == "System User"
		and ROLE in {r.role for r in doc.get("roles", [])}
	)
	if in_rule != bool(is_seller):
		sync_round_robin_users(exclude=doc.name if method == "on_trash" else None)
