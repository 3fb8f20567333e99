"""Frappe's Personal Data Download and Deletion Request cover the app's personal data (`user_data_fields`
in hooks.py); a deletion anonymises the person and keeps the business records and their totals."""

from __future__ import annotations

import json

import frappe
from frappe.website.doctype.personal_data_download_request.personal_data_download_request import (
	get_user_data,
)

from tests.integration.factories import (
	make_customer,
	make_opportunity,
	make_ticket,
	make_website_user,
	unique,
)


def test_personal_data_is_downloaded_and_a_deletion_anonymises_but_keeps_the_totals():
	email = f"{unique('person-')}@example.com"
	make_website_user(email)
	lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": "Grace",
			"last_name": unique("Hopper"),
			"email_id": email,
			"phone": "+49 30 1234567",
		}
	).insert()
	customer = make_customer(email_id=email, phone="+49 30 7654321")
	opportunity = make_opportunity(customer=customer.name, amount=4321)
	ticket = make_ticket(raised_by=email, description=f"<p>Please call me, {email}</p>")
	interaction = frappe.get_doc(
		{
			"doctype": "Interaction",
			"channel": "Email",
			"direction": "Inbound",
			"interaction_time": frappe.utils.now_datetime(),
			"reference_doctype": "Lead",
			"reference_name": lead.name,
			"lead": lead.name,
			"notes": f"Wrote from {email}",
		}
	).insert()

	data = json.loads(get_user_data(email))
	assert [r["name"] for r in data["Lead"]] == [lead.name]
	assert [r["name"] for r in data["Customer"]] == [customer.name]
	assert [r["name"] for r in data["Ticket"]] == [ticket.name]

	totals = frappe.db.sql("select count(*), sum(amount) from `tabOpportunity`")[0]
	leads = frappe.db.count("Lead")
	request = frappe.get_doc({"doctype": "Personal Data Deletion Request", "email": email})
	request.set_new_name()
	request.db_insert()  # (insert mails the person a confirmation link; this is the confirmed request)
	request._anonymize_data()

	lead.reload()
	assert email not in (lead.email_id or "") and lead.first_name == "[REDACTED]"
	assert "1234567" not in (lead.phone or "")
	assert frappe.db.get_value("Customer", customer.name, "phone") != "+49 30 7654321"
	assert email not in (frappe.db.get_value("Customer", customer.name, "email_id") or "")
	assert email not in (frappe.db.get_value("Ticket", ticket.name, "raised_by") or "")
	assert email not in (frappe.db.get_value("Ticket", ticket.name, "description") or "")
	assert email not in (frappe.db.get_value("Interaction", interaction.name, "notes") or "")
	# the business records stay, with their amounts
	assert frappe.db.count("Lead") == leads
	assert frappe.db.sql("select count(*), sum(amount) from `tabOpportunity`")[0] == totals
	assert frappe.db.get_value("Opportunity", opportunity.name, "customer") == customer.name
