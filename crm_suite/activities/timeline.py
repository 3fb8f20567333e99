"""Interactions on the form timeline of a Lead, Opportunity or Ticket (Frappe's
`additional_timeline_content` hook): done activities, calls, meetings and emails logged as Interactions
show where the record's emails and comments are; cancelled activities show there too (and on the Customer
form), with why they were cancelled. The Customer form has its own timeline
(crm_suite/crm/timeline.py), which lists them already."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import escape_html, get_url_to_form, strip_html

LIMIT = 100
ICON = {"Call": "call", "Email": "mail", "Meeting": "calendar", "Task": "check"}


def interactions(doctype: str, docname: str) -> list[dict]:
	"""Timeline items of the record's Interactions (newest LIMIT), for a user who may read them; the
	record itself was checked by the form load."""
	if not frappe.has_permission("Interaction", "read"):
		return []
	filters = {"reference_doctype": doctype, "reference_name": docname}
	if doctype == "Lead":
		filters = {"lead": docname}
	rows = frappe.get_list(
		"Interaction",
		filters=filters,
		fields=["name", "subject", "channel", "direction", "outcome", "interaction_time", "agent", "notes"],
		order_by="interaction_time desc",
		limit_page_length=LIMIT,
	)
	return [
		{
			"icon": ICON.get(row.channel, "small-message"),
			"creation": row.interaction_time,
			"content": content(row),
		}
		for row in rows
	]


def content(row) -> str:
	bits = [_(row.channel), _(row.direction)] + ([_(row.outcome)] if row.outcome else [])
	notes = strip_html(row.notes or "").strip()
	return (
		f"<span class='crm-interaction'>{escape_html(' · '.join(bits))}: "
		f"<a href='{get_url_to_form('Interaction', row.name)}'>{escape_html(row.subject or row.name)}</a>"
		f"{' — ' + escape_html(notes[:200]) if notes else ''}"
		f"{' · ' + escape_html(row.agent) if row.agent else ''}</span>"
	)


def cancelled_activities(doctype: str, docname: str) -> list[dict]:
	"""Timeline items of the record's cancelled activities (newest LIMIT) that the user may read: a done
	activity is already there as its Interaction, an open one is in the record's Activities section."""
	if not frappe.has_permission("CRM Activity", "read"):
		return []
	rows = frappe.get_list(
		"CRM Activity",
		filters={"reference_doctype": doctype, "reference_name": docname, "status": "Cancelled"},
		fields=["name", "subject", "activity_type", "outcome", "closed_on", "closed_by"],
		order_by="closed_on desc",
		limit_page_length=LIMIT,
	)
	return [
		{
			"icon": "close",
			"creation": row.closed_on,
			"content": cancelled_content(row),
		}
		for row in rows
	]


def cancelled_content(row) -> str:
	outcome = strip_html(row.outcome or "").strip()
	label = _("{0} cancelled").format(_(row.activity_type))
	return (
		f"<span class='crm-activity-cancelled'>{escape_html(label)}: "
		f"<a href='{get_url_to_form('CRM Activity', row.name)}'>{escape_html(row.subject or row.name)}</a>"
		f"{' — ' + escape_html(outcome[:200]) if outcome else ''}"
		f"{' · ' + escape_html(row.closed_by) if row.closed_by else ''}</span>"
	)
