"""Interactions on the form timeline of a Lead, Opportunity or Ticket (Frappe's
`additional_timeline_content` hook): done activities, calls, meetings and emails logged as Interactions
show where the record's emails and comments are. The Customer form has its own timeline
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
