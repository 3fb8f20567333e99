"""Builders for the service tests."""

import email
from contextlib import contextmanager
from email.header import decode_header, make_header

import frappe

from tests.integration.factories import make_contact, make_customer, make_user, make_website_user, unique

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
HOUR = 3600


def make_sla(
	priorities=None,
	hours=None,
	default=False,
	holidays=(),
	time_zone=None,
	customer_group=None,
	ticket_type=None,
	name=None,
):
	"""Default: Monday–Friday 09:00–17:00; Medium 4 h response / 16 h resolution, Urgent 30 min / 4 h."""
	if default:
		# only one default may exist: tests own the default inside their transaction
		frappe.db.set_value("Service Level Agreement", {"default_sla": 1}, "default_sla", 0)
	holiday_list = None
	if holidays:
		holiday_list = (
			frappe.get_doc(
				{
					"doctype": "Service Holiday List",
					"holiday_list_name": unique("Holidays "),
					"holidays": [{"holiday_date": d, "description": "Holiday"} for d in holidays],
				}
			)
			.insert()
			.name
		)
	priorities = priorities or {"Low": (8, 40), "Medium": (4, 16), "High": (2, 8), "Urgent": (0.5, 4)}
	return frappe.get_doc(
		{
			"doctype": "Service Level Agreement",
			"sla_name": name or unique("SLA "),
			"enabled": 1,
			"default_sla": int(default),
			"holiday_list": holiday_list,
			"time_zone": time_zone,
			"customer_group": customer_group,
			"ticket_type": ticket_type,
			"priorities": [
				{"priority": p, "response_time": r * HOUR, "resolution_time": s * HOUR}
				for p, (r, s) in priorities.items()
			],
			"service_hours": hours
			or [{"weekday": d, "start_time": "09:00:00", "end_time": "17:00:00"} for d in WEEKDAYS],
		}
	).insert()


@contextmanager
def clock(when):
	"""Pins the service desk's clock (crm_suite.service.sla.current_time)."""
	previous = frappe.flags.service_now
	frappe.flags.service_now = when
	try:
		yield
	finally:
		frappe.flags.service_now = previous


def make_portal_customer():
	"""A customer with a contact who logs in to the portal as a website user."""
	customer = make_customer()
	email = f"{unique('contact-')}@example.com"
	user = make_website_user(email)
	contact = make_contact(
		customer.name, "Portal", email=email, last_name=unique(), user=user.name, ignore_permissions=True
	)
	return frappe._dict(customer=customer, user=user, contact=contact, email=email)


def make_agent(*roles):
	return make_user(*(roles or ("Support Agent",)))


def queued_mail(recipient: str) -> list[frappe._dict]:
	"""The Email Queue rows for a recipient: status, subject (from the MIME message) and the text."""
	queue, recipients = frappe.qb.DocType("Email Queue"), frappe.qb.DocType("Email Queue Recipient")
	rows = (
		frappe.qb.from_(queue)
		.join(recipients)
		.on(recipients.parent == queue.name)
		.select(queue.name, queue.status, queue.message)
		.where(recipients.recipient == recipient)
		.orderby(queue.creation)
		.run(as_dict=True)
	)
	mails = []
	for row in rows:
		mime = email.message_from_string(row.message)
		body = "".join(
			part.get_payload(decode=True).decode()
			for part in mime.walk()
			if part.get_content_type() in ("text/html", "text/plain")
		)
		subject = str(make_header(decode_header(mime["Subject"])))
		mails.append(frappe._dict(name=row.name, status=row.status, subject=subject, body=body))
	return mails
