"""Whitelisted methods of the Activities module (REST: /api/method/crm_suite.activities.api.<name>; they
are in the OpenAPI document). Activities themselves are created, read and changed through Frappe's REST
(`/api/resource/CRM Activity`), with the same permissions.

Every method checks the caller's permission on what it reads or changes; none takes a user argument:
My Day is always the caller's own.
"""

import frappe
from frappe import _

from crm_suite.activities import activities, invitations, my_day, plans, rules
from crm_suite.activities.permissions import ACTIVITY_RECORDS


@frappe.whitelist(methods=["GET"])
def get_my_day() -> dict:
	"""The caller's My Day: overdue and today's activities, SLA tickets at risk, hot leads, at-risk
	customers, missed calls (sections the caller's roles may read)."""
	if frappe.session.user == "Guest":
		raise frappe.PermissionError(_("Sign in to see your day."))
	return my_day.get_my_day()


@frappe.whitelist(methods=["POST"])
def complete_activity(activity: str, outcome: str) -> dict:
	"""Mark an open activity Done with its outcome; it becomes an Interaction on the record's timeline."""
	doc = activities.set_closed(activity, rules.DONE, outcome)
	return {"activity": doc.name, "status": doc.status, "interaction": doc.interaction}


@frappe.whitelist(methods=["POST"])
def cancel_activity(activity: str, outcome: str, notify_invitee: bool = False) -> dict:
	"""Cancel an open activity, saying why; `notify_invitee` also sends a meeting's invitee the
	calendar cancellation."""
	doc = activities.set_closed(activity, rules.CANCELLED, outcome)
	if notify_invitee and doc.activity_type == "Meeting" and doc.invitation_sent_on:
		invitations.send_invitation(doc, "CANCEL")
	return {"activity": doc.name, "status": doc.status}


@frappe.whitelist(methods=["POST"])
def apply_activity_plan(plan: str, reference_doctype: str, reference_name: str) -> list[str]:
	"""Create the plan's activities on the record; returns their names (409 while the plan's activities
	on that record are still open)."""
	check_record(reference_doctype, reference_name)
	frappe.has_permission("Activity Plan", "read", doc=plan, throw=True)
	frappe.has_permission("CRM Activity", "create", throw=True)
	return plans.apply_plan(plan, reference_doctype, reference_name)


@frappe.whitelist(methods=["GET"])
def get_record_activities(reference_doctype: str, reference_name: str) -> dict:
	"""The record's open activities (soonest first) and its ten last closed ones."""
	check_record(reference_doctype, reference_name)
	if not frappe.has_permission("CRM Activity", "read"):
		return {"open": [], "closed": [], "can_create": False}
	fields = [
		"name",
		"subject",
		"activity_type",
		"status",
		"due_on",
		"all_day",
		"assigned_to",
		"outcome",
		"closed_on",
		"interaction",
		"invitation_sent_on",
	]
	on = [["reference_doctype", "=", reference_doctype], ["reference_name", "=", reference_name]]

	def activities(status: list, order_by: str, limit: int) -> list:
		filters = [*on, ["status", *status]]
		return frappe.get_list(
			"CRM Activity", filters=filters, fields=fields, order_by=order_by, limit_page_length=limit
		)

	return {
		"open": activities(["=", rules.OPEN], "due_on asc", 100),
		"closed": activities(["!=", rules.OPEN], "closed_on desc", 10),
		"can_create": bool(frappe.has_permission("CRM Activity", "create")),
	}


@frappe.whitelist(methods=["POST"])
def send_meeting_invitation(activity: str) -> dict:
	"""Email the meeting's invitee a calendar invitation (.ics, METHOD:REQUEST); again after a change."""
	doc = frappe.get_doc("CRM Activity", activity)
	doc.check_permission("write")
	invitations.send_invitation(doc)
	return {"activity": doc.name, "invitee": doc.invitee_email, "sequence": doc.invitation_sequence}


@frappe.whitelist(methods=["POST"])
def resolve_missed_call(interaction: str) -> dict:
	"""The caller handled a missed call: their open call-back ToDos on it are closed (a missed call that
	reached them directly gets a closed ToDo), so it leaves their My Day."""
	doc = frappe.get_doc("Interaction", interaction)
	doc.check_permission("read")
	if doc.channel != "Call" or doc.call_status != "Missed":
		frappe.throw(
			_("Interaction {0} is not a missed call.").format(interaction), title=_("Not a Missed Call")
		)
	user = frappe.session.user
	todos = frappe.get_all(
		"ToDo",
		filters={
			"reference_type": "Interaction",
			"reference_name": interaction,
			"allocated_to": user,
			"status": "Open",
		},
		pluck="name",
	)
	if not todos and doc.agent != user:
		raise frappe.PermissionError(_("Missed call {0} is not waiting for you.").format(interaction))
	for name in todos:
		todo = frappe.get_doc("ToDo", name)
		todo.status = "Closed"
		todo.save()
	if not todos:
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": user,
				"assigned_by": user,
				"reference_type": "Interaction",
				"reference_name": interaction,
				"description": _("Missed call handled"),
				"status": "Closed",
			}
		).insert()
	return {"interaction": interaction, "closed": len(todos) or 1}


def check_record(doctype: str, name: str) -> None:
	if doctype not in ACTIVITY_RECORDS:
		frappe.throw(
			_("Activities are on a {0}, not on a {1}.").format(
				", ".join(_(d) for d in ACTIVITY_RECORDS), _(doctype)
			),
			title=_("Invalid Record"),
		)
	if not frappe.db.exists(doctype, name):
		frappe.throw(_("{0} {1} does not exist.").format(_(doctype), name), frappe.DoesNotExistError)
	frappe.has_permission(doctype, "read", doc=name, throw=True)
