"""Daily follow-up reminders: a ToDo for the owner of every open lead nobody has touched for N days
(CRM Settings → "Follow-up After (Days)"; 0 switches it off).

"Touched" is the lead's `modified`. The ToDo made is remembered on the lead (`follow_up_todo`, written
without changing `modified`), so a lead gets a new reminder only after it was touched again since the last
one and then left alone for another N days: running the job twice never creates a second ToDo. Each lead
is handled in a savepoint: one that fails is rolled back, logged to the Error Log and skipped.
"""

from collections.abc import Callable

import frappe
from frappe import _
from frappe.query_builder.functions import Coalesce, NullIf
from frappe.utils import add_days, cint, now_datetime, nowdate

from crm_suite.sales.isolation import run_isolated
from crm_suite.utils.i18n import user_language

OPEN_STATES = ("New", "Contacted", "Qualified")
CHUNK = 500


def follow_up_days() -> int:
	return cint(frappe.db.get_single_value("CRM Settings", "follow_up_days"))


def leads_due(days: int, after: tuple = (None, ""), limit: int = CHUNK) -> list[dict]:
	"""Open leads untouched for `days` days without a reminder since they were last touched, in
	(modified, name) order after the key `after` (so a lead that failed is not picked up again)."""
	cutoff = add_days(now_datetime(), -days)
	modified, name = after
	lead, todo = frappe.qb.DocType("Lead"), frappe.qb.DocType("ToDo")
	condition = (
		lead.status.isin(OPEN_STATES)
		& lead.merged_into.isnull()
		& (lead.modified < cutoff)
		& (todo.name.isnull() | (todo.creation < lead.modified))
	)
	if modified is not None:  # after the key (modified, name)
		condition &= (lead.modified > modified) | ((lead.modified == modified) & (lead.name > name))
	return (
		frappe.qb.from_(lead)
		.left_join(todo)
		.on(todo.name == lead.follow_up_todo)
		.select(
			lead.name,
			lead.lead_name,
			lead.modified,
			Coalesce(NullIf(lead.lead_owner, "Guest"), lead.owner).as_("owner"),
		)
		.where(condition)
		.orderby(lead.modified)
		.orderby(lead.name)
		.limit(limit)
		.run(as_dict=True)
	)


def create_follow_up_todos() -> int:
	"""Scheduled daily; commits after each chunk. Returns the number of ToDos created."""
	return follow_up_untouched_leads(after_chunk=frappe.db.commit)


def follow_up_untouched_leads(after_chunk: Callable[[], None] | None = None) -> int:
	"""A ToDo for the owner of each open lead untouched for N days (CRM Settings), once per untouched
	spell, in chunks; `after_chunk` runs after each one. A lead that fails is rolled back to where it
	started (no ToDo without the lead remembering it), logged to the Error Log and skipped; the next
	run tries it again."""
	days = follow_up_days()
	if days <= 0:
		return 0
	created, after = 0, (None, "")
	while rows := leads_due(days, after):
		for row in rows:
			created += run_isolated(
				lambda row=row: remind(row, days),
				"Lead",
				row.name,
				_("Follow-up ToDo for lead {0} failed").format(row.name),
			)
		after = (rows[-1].modified, rows[-1].name)
		if after_chunk:
			after_chunk()
	return created


def remind(row: dict, days: int) -> None:
	"""The ToDo for one due lead, remembered on the lead (without touching `modified`)."""
	owner = row.owner if frappe.db.exists("User", {"name": row.owner, "enabled": 1}) else "Administrator"
	todo = frappe.get_doc(
		{
			"doctype": "ToDo",
			"allocated_to": owner,
			"reference_type": "Lead",
			"reference_name": row.name,
			"description": _(
				"Follow up lead {0} ({1}): untouched for {2} days.", lang=user_language(owner)
			).format(row.name, row.lead_name, days),
			"date": nowdate(),
			"priority": "Medium",
			"assigned_by": "Administrator",
		}
	).insert(ignore_permissions=True)
	frappe.db.set_value("Lead", row.name, "follow_up_todo", todo.name, update_modified=False)
