"""Activity Plans: a named sequence of activities ("New lead: call today, email in 2 days, meeting in a
week") an admin defines in the desk and a user applies to a record in one click; a plan can also be
applied automatically when a lead enters a status.

A plan is not applied twice on top of itself: while the record has open activities of the plan, applying
it again is refused (by hand) or skipped (automatically). The record's row is locked first, so two clicks
at once give one set of activities.
"""

from __future__ import annotations

from datetime import datetime

import frappe
from frappe import _
from frappe.utils import get_time, now_datetime

from crm_suite.activities import activities, rules
from crm_suite.activities.permissions import ACTIVITY_RECORDS

DOCTYPE = "Activity Plan"


class PlanAlreadyApplied(frappe.ValidationError):
	http_status_code = 409


def validate_plan(doc) -> None:
	if doc.apply_on_lead_status:
		doc.applies_to = "Lead"
		other = frappe.db.get_value(
			DOCTYPE,
			{"apply_on_lead_status": doc.apply_on_lead_status, "enabled": 1, "name": ("!=", doc.name)},
		)
		if doc.enabled and other:
			frappe.throw(
				_("Plan {0} is already applied when a lead becomes {1}.").format(
					other, _(doc.apply_on_lead_status)
				),
				title=_("Plan Exists"),
			)
	if not doc.steps:
		frappe.throw(_("A plan needs at least one step."), title=_("No Steps"))
	for step in doc.steps:
		if (step.due_after_days or 0) < 0:
			frappe.throw(_("Row {0}: a step cannot be due before the plan is applied.").format(step.idx))
		if step.assign_to == "Specific User" and not step.user:
			frappe.throw(_("Row {0}: choose the user the step is assigned to.").format(step.idx))


def record_owners(doctype: str, name: str) -> list[str | None]:
	"""Who a "Record Owner" step goes to, in order: the record's assignees (round robin), then its owner
	field (lead owner, opportunity owner, account manager, ticket agent)."""
	owner_field = {
		"Lead": "lead_owner",
		"Opportunity": "opportunity_owner",
		"Customer": "account_manager",
		"Ticket": "agent",
	}[doctype]
	row = frappe.db.get_value(doctype, name, ["_assign", owner_field], as_dict=True) or {}
	assigned = frappe.parse_json(row.get("_assign") or "[]") or []
	return [*assigned, row.get(owner_field)]


def applied(plan: str, doctype: str, name: str) -> bool:
	"""Whether the record has open activities of the plan. A locking read: after waiting for the record's
	lock it sees what the session that held it committed (a plain read would see this transaction's older
	snapshot, and two clicks at once would both apply the plan)."""
	return bool(
		# raw SQL: LOCK IN SHARE MODE, which frappe.qb can't express
		frappe.db.sql(
			"""select name from `tabCRM Activity`
			where reference_doctype = %s and reference_name = %s and status = 'Open' and activity_plan = %s
			limit 1 lock in share mode""",
			(doctype, name, plan),
		)
	)


def apply_plan(
	plan: str,
	doctype: str,
	name: str,
	applied_on: datetime | None = None,
	automatic: bool = False,
) -> list[str]:
	"""Create the plan's activities on the record; returns their names. `automatic` (a status change
	applied it): inserted without the user's permissions and skipped, not refused, when already applied."""
	doc = frappe.get_doc(DOCTYPE, plan)
	if not doc.enabled:
		frappe.throw(_("Activity plan {0} is disabled.").format(plan), title=_("Plan Disabled"))
	if doctype not in ACTIVITY_RECORDS or (doc.applies_to and doc.applies_to != doctype):
		frappe.throw(
			_("Activity plan {0} is for a {1}, not a {2}.").format(
				plan, _(doc.applies_to or ", ".join(ACTIVITY_RECORDS)), _(doctype)
			),
			title=_("Wrong Plan"),
		)
	if not frappe.db.exists(doctype, name):
		frappe.throw(_("{0} {1} does not exist.").format(_(doctype), name), frappe.DoesNotExistError)
	activities.lock_records([(doctype, name)])
	if applied(plan, doctype, name):
		if automatic:
			return []
		frappe.throw(
			_("Plan {0} is already under way on {1}: its activities are still open.").format(plan, name),
			PlanAlreadyApplied,
			title=_("Plan Applied"),
		)
	applied_on = applied_on or now_datetime()
	user = frappe.session.user
	owners = record_owners(doctype, name)
	created = []
	for step in doc.steps:
		due_on, all_day = rules.step_due(
			applied_on,
			step.due_after_days,
			None if step.all_day or not step.due_time else get_time(step.due_time),
		)
		candidates = {
			"Record Owner": [*owners, user],
			"Current User": [user],
			"Specific User": [step.user, user],
		}[step.assign_to or "Record Owner"]
		assignee = rules.pick_assignee(
			candidates,
			lambda u: (
				bool(frappe.db.get_value("User", u, "enabled")) and activities.may_act(u, doctype, name)
			),
			user,
		)
		activity = frappe.get_doc(
			{
				"doctype": "CRM Activity",
				"activity_type": step.activity_type,
				"subject": step.subject,
				"due_on": due_on,
				"all_day": 1 if all_day else 0,
				"assigned_to": assignee,
				"reference_doctype": doctype,
				"reference_name": name,
				"note": step.note,
				"activity_plan": plan,
			}
		)
		activity.insert(ignore_permissions=automatic)
		created.append(activity.name)
	return created


def on_lead_change(doc, method=None) -> None:
	"""Lead on_change (after the assignment rule ran): a status the lead just entered applies the enabled
	plan set to it (Activity Plan → "Apply When a Lead Becomes"), once."""
	if not doc.has_value_changed("status") or not doc.status:
		return
	plan = frappe.db.get_value(DOCTYPE, {"apply_on_lead_status": doc.status, "enabled": 1})
	if plan:
		apply_plan(plan, "Lead", doc.name, automatic=True)
