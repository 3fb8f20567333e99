"""Mail and replies on tickets (Communication hooks). New mail to the support Email Account becomes a
Ticket through Frappe's append-to mechanism (Ticket has email_append_to, sender and subject fields);
this module reacts to the Communications threaded onto a ticket."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import get_datetime

from crm_suite.service.sla import record_first_response
from crm_suite.utils.contact_details import normalise_email

AGENT_ROLES = {"Support Agent", "Support Manager"}


def on_communication_insert(doc, method=None) -> None:
	if (
		doc.reference_doctype != "Ticket"
		or not doc.reference_name
		or doc.communication_type != "Communication"
	):
		return
	if not frappe.db.exists("Ticket", doc.reference_name):
		return
	if doc.sent_or_received == "Sent":
		if is_agent(sender_user(doc)):
			record_first_response(doc.reference_name, get_datetime(doc.creation))
	else:
		on_customer_message(doc)


def sender_user(doc) -> str:
	"""The User with the sender's address, else the user sending it (a reply from the desk goes out from
	the support account's address)."""
	email = normalise_email(doc.sender)
	return (email and frappe.db.get_value("User", {"email": email}, "name")) or frappe.session.user


def is_agent(user: str) -> bool:
	"""Whether the user was given an agent role. Read from the user's own roles: Administrator, who
	implicitly holds every role, is the account scheduled jobs and system mail run as, and what the
	system sends on a ticket is no first response."""
	return bool(
		user
		and frappe.db.exists("Has Role", {"parenttype": "User", "parent": user, "role": ("in", AGENT_ROLES)})
	)


def on_customer_message(doc) -> None:
	"""A customer writes: a Resolved ticket reopens, a ticket waiting on them resumes, and mail on a
	Closed ticket starts a follow-up ticket (the closed one stays closed)."""
	ticket = frappe.get_doc("Ticket", doc.reference_name)
	if ticket.status == "Resolved":
		set_status(ticket, "Open", _("Reopened by a reply from {0}").format(doc.sender))
	elif ticket.status == "Waiting on Customer":
		set_status(ticket, "In Progress", _("The customer replied"))
	elif ticket.status == "Closed":
		follow_up = frappe.get_doc(
			{
				"doctype": "Ticket",
				"subject": (doc.subject or ticket.subject)[:140],
				"raised_by": doc.sender,
				"customer": ticket.customer
				if normalise_email(doc.sender)
				and normalise_email(doc.sender) == normalise_email(ticket.raised_by)
				else None,
				"priority": ticket.priority,
				"ticket_type": ticket.ticket_type,
				"description": doc.content,
			}
		).insert(ignore_permissions=True)
		doc.db_set({"reference_name": follow_up.name}, update_modified=False)
		follow_up.add_comment("Info", _("Follow-up of closed ticket {0}").format(ticket.name))
		ticket.add_comment(
			"Info", _("A new message was filed as follow-up ticket {0}").format(follow_up.name)
		)


def set_status(ticket, status: str, reason: str) -> None:
	"""A status change made by the system, not a user transition of the workflow."""
	ticket.status = status
	ticket.flags.system_transition = True
	ticket.save(ignore_permissions=True)
	ticket.add_comment("Info", reason)
