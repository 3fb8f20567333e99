"""Mail in: Frappe's InboundMail against an Email Account made here (no server) creates tickets and
threads replies; the first agent reply is the first response; customers' replies reopen tickets."""

import frappe
import pytest
from frappe.core.doctype.communication.email import make as make_communication
from frappe.email.receive import InboundMail

from tests.integration.factories import make_customer, unique
from tests.integration.service.helpers import make_agent, make_sla


@pytest.fixture
def account():
	return frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": unique("Support "),
			"email_id": f"{unique('support-')}@example.com",
			"enable_incoming": 0,
			"enable_outgoing": 0,
			"use_imap": 0,
			"append_to": "Ticket",
		}
	).insert(ignore_permissions=True)


def receive(account, sender, subject, body, message_id, in_reply_to=None):
	headers = [
		f"From: Customer <{sender}>",
		f"To: {account.email_id}",
		f"Subject: {subject}",
		f"Message-ID: <{message_id}>",
		"Date: Mon, 23 Nov 2026 10:00:00 +0000",
		"Content-Type: text/plain; charset=utf-8",
	]
	if in_reply_to:
		headers.append(f"In-Reply-To: <{in_reply_to}>")
	raw = "\r\n".join(headers) + "\r\n\r\n" + body + "\r\n"
	return InboundMail(raw, account).process()


def mail_on_ticket(ticket: str, subject: str, sender: str, recipients: str, text: str) -> None:
	"""An e-mail from the desk on the ticket (a Communication, not sent), as a reply from the form makes."""
	unsent_email = {"doctype": "Ticket", "send_email": False, "communication_medium": "Email"}
	make_communication(
		**unsent_email, name=ticket, content=text, subject=subject, sender=sender, recipients=recipients
	)


def test_mail_creates_a_ticket_and_replies_thread_onto_it(account):
	make_sla(default=True)
	sender = f"{unique('cust-')}@example.com"
	first_id = f"{unique()}@mail.example.com"
	comm = receive(account, sender, "Printer on fire", "It is burning.", first_id)
	assert comm.reference_doctype == "Ticket"
	ticket = frappe.get_doc("Ticket", comm.reference_name)
	assert (ticket.subject, ticket.raised_by, ticket.status) == ("Printer on fire", sender, "Open")
	assert ticket.service_level_agreement and ticket.agreement_status == "First Response Due"

	reply = receive(
		account, sender, "Re: Printer on fire", "Still burning.", f"{unique()}@mail.example.com", first_id
	)
	assert (reply.reference_doctype, reply.reference_name) == ("Ticket", ticket.name)
	assert frappe.db.count("Ticket", {"raised_by": sender}) == 1
	assert (
		frappe.db.count("Communication", {"reference_doctype": "Ticket", "reference_name": ticket.name}) == 2
	)


def test_the_first_agent_reply_is_the_first_response_and_a_customer_reply_reopens(account):
	make_sla(default=True)
	sender = f"{unique('cust-')}@example.com"
	first_id = f"{unique()}@mail.example.com"
	ticket_name = receive(account, sender, "Cannot log in", "Help", first_id).reference_name

	# a reply from the customer is not a response
	receive(account, sender, "Re: Cannot log in", "Hello?", f"{unique()}@mail.example.com", first_id)
	assert not frappe.db.get_value("Ticket", ticket_name, "first_responded_on")

	agent = make_agent()
	frappe.set_user(agent.name)

	reply = lambda text: mail_on_ticket(ticket_name, "Re: Cannot log in", agent.name, sender, text)  # noqa: E731
	reply("Try resetting your password.")
	first = frappe.db.get_value(
		"Ticket", ticket_name, ["first_responded_on", "agreement_status"], as_dict=True
	)
	assert first.first_responded_on and first.agreement_status == "Resolution Due"
	reply("Any luck?")
	assert frappe.db.get_value("Ticket", ticket_name, "first_responded_on") == first.first_responded_on

	ticket = frappe.get_doc("Ticket", ticket_name)
	ticket.status = "Resolved"  # the agent's workflow transition
	ticket.save()
	frappe.set_user("Administrator")

	receive(account, sender, "Re: Cannot log in", "It broke again", f"{unique()}@mail.example.com", first_id)
	ticket.reload()
	assert ticket.status == "Open" and not ticket.resolution_date
	assert frappe.db.exists("Comment", {"reference_name": ticket_name, "content": ("like", "Reopened%")})


def test_mail_on_a_closed_ticket_from_a_stranger_starts_a_follow_up(account):
	make_sla(default=True)
	sender = f"{unique('cust-')}@example.com"
	first_id = f"{unique()}@mail.example.com"
	ticket = frappe.get_doc("Ticket", receive(account, sender, "Old issue", "x", first_id).reference_name)
	ticket.status = "Resolved"
	ticket.save()
	ticket.status = "Closed"
	ticket.save()

	stranger = f"{unique('stranger-')}@example.com"
	comm = receive(account, stranger, "Re: Old issue", "me too", f"{unique()}@mail.example.com", first_id)
	comm.reload()
	assert comm.reference_name != ticket.name
	follow_up = frappe.get_doc("Ticket", comm.reference_name)
	assert (follow_up.raised_by, follow_up.status, follow_up.customer) == (stranger, "Open", None)
	ticket.reload()
	assert ticket.status == "Closed"


def test_mail_the_system_sends_on_a_ticket_is_no_first_response(account):
	"""Administrator, who implicitly holds every role, is what scheduled jobs and system mail run as: a
	message sent on the ticket from the support address in that session does not stop the clock; the
	same reply by an agent does."""
	make_sla(default=True)
	sender = f"{unique('cust-')}@example.com"
	ticket_name = receive(
		account, sender, "Lost parcel", "Where is it?", f"{unique()}@mail.example.com"
	).reference_name
	frappe.set_user("Administrator")

	send = lambda text: mail_on_ticket(ticket_name, "Re: Lost parcel", account.email_id, sender, text)  # noqa: E731

	send("We received your request.")
	assert not frappe.db.get_value("Ticket", ticket_name, "first_responded_on")
	frappe.set_user(make_agent().name)
	send("The parcel is in Hamburg.")
	assert frappe.db.get_value("Ticket", ticket_name, "first_responded_on")


def test_the_customer_writing_on_their_closed_ticket_keeps_the_customer_whatever_the_case(account):
	make_sla(default=True)
	sender = f"{unique('cust-')}@example.com"
	first_id = f"{unique()}@mail.example.com"
	ticket = frappe.get_doc("Ticket", receive(account, sender, "Old issue", "x", first_id).reference_name)
	customer = make_customer()
	ticket.customer = customer.name
	ticket.status = "Resolved"
	ticket.save()
	ticket.status = "Closed"
	ticket.save()
	frappe.db.set_value("Ticket", ticket.name, "raised_by", sender.upper())  # as an older import stored it

	comm = receive(account, sender, "Re: Old issue", "again", f"{unique()}@mail.example.com", first_id)
	comm.reload()
	assert comm.reference_name != ticket.name
	assert frappe.db.get_value("Ticket", comm.reference_name, "customer") == customer.name
