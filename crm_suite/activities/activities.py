"""Planned activities (CRM Activity): a call, meeting, email or task on one Lead, Opportunity, Customer or
Ticket, due at a time, assigned to a user; closed as Done (it becomes an Interaction on the timeline) or
Cancelled, each with an outcome.

Each record keeps its next open activity in two columns (`next_activity_on`, `next_activity`) for its list
view, Kanban card and filters. They are recomputed whenever one of its activities is added, changed,
closed or deleted; the record's row is locked first (`lock_records`), so concurrent changes to one record's
activities run one after the other and the last one computes from every committed activity (a locking
read) instead of from its own snapshot.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import get_datetime, now_datetime, strip_html

from crm_suite.activities import rules
from crm_suite.activities.permissions import ACTIVITY_RECORDS, may_read_record
from crm_suite.crm.interactions import derive_links

DOCTYPE = "CRM Activity"
TYPES = ("Call", "Meeting", "Email", "Task")
CHANNEL = {"Call": "Call", "Meeting": "Meeting", "Email": "Email", "Task": "Task"}  # → Interaction.channel
EDITABLE_WHEN_CLOSED = {"modified", "modified_by", "_assign", "_comments", "_liked_by", "_user_tags", "_seen"}


# ------------------------------------------------------------------ validation
def validate(doc) -> None:
	if doc.reference_doctype not in ACTIVITY_RECORDS:
		frappe.throw(
			_("An activity is planned on a {0}, not on a {1}.").format(
				", ".join(_(d) for d in ACTIVITY_RECORDS),
				(_(doc.reference_doctype) if doc.reference_doctype else ""),
			),
			title=_("Invalid Record"),
		)
	if not frappe.db.exists(doc.reference_doctype, doc.reference_name):
		frappe.throw(
			_("{0} {1} does not exist.").format(_(doc.reference_doctype), doc.reference_name),
			frappe.LinkValidationError,
			title=_("Missing Record"),
		)
	before = doc.get_doc_before_save()
	if before and before.status != rules.OPEN:
		changed = [
			df.fieldname
			for df in doc.meta.fields
			if df.fieldname not in EDITABLE_WHEN_CLOSED and doc.get(df.fieldname) != before.get(df.fieldname)
		]
		if changed:
			frappe.throw(
				_("A done or cancelled activity cannot be changed; plan a new one."),
				title=_("Activity Closed"),
			)
		return
	validate_assignee(doc)
	if doc.activity_type not in TYPES:
		frappe.throw(_("The type of an activity is one of {0}.").format(", ".join(_(t) for t in TYPES)))
	doc.due_on, doc.ends_on = rules.normalise_times(
		get_datetime(doc.due_on), bool(doc.all_day), get_datetime(doc.ends_on) if doc.ends_on else None
	)
	title_field = frappe.get_meta(doc.reference_doctype).get_title_field()
	doc.reference_title = (
		frappe.db.get_value(doc.reference_doctype, doc.reference_name, title_field) or doc.reference_name
	)
	doc.customer = derive_links(doc.reference_doctype, doc.reference_name).get("customer")
	if not doc.subject:
		doc.subject = f"{_(doc.activity_type)} {doc.reference_title}"
	if doc.activity_type == "Meeting" and not doc.invitee_email:
		doc.invitee_email = default_invitee(doc)
	if before and before.due_on and get_datetime(before.due_on) != get_datetime(doc.due_on):
		doc.reminder_sent_for = None  # rescheduled: remind again before the new time
	close(doc, before)


def validate_assignee(doc) -> None:
	if not frappe.db.get_value("User", doc.assigned_to, "enabled"):
		frappe.throw(_("{0} is not an enabled user.").format(doc.assigned_to), title=_("Invalid Assignee"))
	if not may_act(doc.assigned_to, doc.reference_doctype, doc.reference_name):
		frappe.throw(
			_("{0} may not see {1} {2}; assign the activity to someone who may.").format(
				doc.assigned_to, _(doc.reference_doctype), doc.reference_name
			),
			title=_("Invalid Assignee"),
		)


def may_act(user: str, doctype: str, name: str) -> bool:
	"""Whether `user` may be given an activity on the record: may read activities and the record."""
	if user == "Administrator":
		return True
	return bool(frappe.has_permission(DOCTYPE, "read", user=user)) and may_read_record(doctype, name, user)


def close(doc, before) -> None:
	"""Open → Done / Cancelled: an outcome is needed; the closing time and user are set."""
	if doc.status == rules.OPEN:
		return
	if doc.status not in (rules.DONE, rules.CANCELLED):
		frappe.throw(_("An activity is Open, Done or Cancelled."))
	if not strip_html(doc.outcome or "").strip():
		frappe.throw(
			_("Say what came of it (Outcome) to mark an activity done or cancel it."),
			title=_("Outcome Needed"),
		)
	doc.closed_on = doc.closed_on or now_datetime()
	doc.closed_by = doc.closed_by or frappe.session.user


def default_invitee(doc) -> str | None:
	"""The email a meeting invitation goes to: the activity's contact, else the record's own (a lead's or a
	ticket's sender), else the customer's primary contact."""
	if doc.contact:
		return frappe.db.get_value("Contact", doc.contact, "email_id")
	if doc.reference_doctype == "Lead":
		return frappe.db.get_value("Lead", doc.reference_name, "email_id")
	if doc.reference_doctype == "Ticket":
		return frappe.db.get_value("Ticket", doc.reference_name, "raised_by")
	if doc.customer:
		contact = frappe.db.get_value(
			"Dynamic Link",
			{"link_doctype": "Customer", "link_name": doc.customer, "parenttype": "Contact"},
			"parent",
			order_by="creation asc",
		)
		if contact:
			doc.contact = contact
			return frappe.db.get_value("Contact", contact, "email_id")
		return frappe.db.get_value("Customer", doc.customer, "email_id")
	return None


# ------------------------------------------------------------------ the record's next activity
def records_of(doc) -> list[tuple[str, str]]:
	"""The records whose next activity this change can move: the current one, and the previous one when
	the activity was moved to another record."""
	keys = {(doc.reference_doctype, doc.reference_name)}
	before = doc.get_doc_before_save() if not doc.is_new() else None
	if before and before.reference_doctype and before.reference_name:
		keys.add((before.reference_doctype, before.reference_name))
	return sorted(k for k in keys if k[0] in ACTIVITY_RECORDS and k[1])


def lock_records(keys: list[tuple[str, str]]) -> None:
	"""Row locks on the records (in a fixed order, so two sessions never wait on each other crosswise)."""
	for doctype, name in sorted(keys):
		table = frappe.qb.DocType(doctype)
		frappe.qb.from_(table).select(table.name).where(table.name == name).for_update().run()


def refresh_next_activity(doctype: str, name: str) -> None:
	"""The record's next open activity (earliest due) into its next_activity_on / next_activity, without
	touching `modified`. A locking read: it sees every committed activity, not this transaction's snapshot."""
	# raw SQL: LOCK IN SHARE MODE, which frappe.qb can't express
	row = frappe.db.sql(
		"""select due_on, subject from `tabCRM Activity`
		where reference_doctype = %s and reference_name = %s and status = 'Open'
		order by due_on, name limit 1 lock in share mode""",
		(doctype, name),
	)
	due_on, subject = row[0] if row else (None, None)
	frappe.db.set_value(
		doctype, name, {"next_activity_on": due_on, "next_activity": subject}, update_modified=False
	)


def after_change(doc) -> None:
	for doctype, name in records_of(doc):
		if frappe.db.exists(doctype, name):
			refresh_next_activity(doctype, name)


# ------------------------------------------------------------------ done → Interaction
def make_interaction(doc) -> str:
	"""The Interaction a done activity becomes (on the same record, at the time it was closed)."""
	notes = "".join(
		f"<p>{frappe.utils.escape_html(text)}</p>" if i else text
		for i, text in enumerate([doc.note or "", strip_html(doc.outcome or "")])
		if text
	)
	interaction = frappe.get_doc(
		{
			"doctype": "Interaction",
			"subject": doc.subject,
			"channel": CHANNEL[doc.activity_type],
			"direction": "Outbound",
			"interaction_time": doc.closed_on,
			"agent": doc.closed_by,
			"reference_doctype": doc.reference_doctype,
			"reference_name": doc.reference_name,
			"contact": doc.contact,
			"notes": notes,
		}
	)
	# the activity is the authority: whoever may close it gets its timeline entry
	interaction.insert(ignore_permissions=True)
	return interaction.name


def on_update(doc) -> None:
	before = doc.get_doc_before_save()
	became_done = doc.status == rules.DONE and (not before or before.status != rules.DONE)
	if became_done and not doc.interaction:
		doc.db_set("interaction", make_interaction(doc), update_modified=False)
	after_change(doc)


# ------------------------------------------------------------------ actions (whitelisted in api.py)
def set_closed(name: str, status: str, outcome: str) -> frappe.model.document.Document:
	doc = frappe.get_doc(DOCTYPE, name)
	doc.check_permission("write")
	if doc.status != rules.OPEN:
		frappe.throw(
			_("Activity {0} is already {1}.").format(doc.name, _(doc.status)), title=_("Activity Closed")
		)
	doc.status = status
	doc.outcome = outcome
	doc.save()
	return doc
