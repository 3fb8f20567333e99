"""Who may send a message from a record, and who sees the channel settings and consents: Guest, a portal
user (of another customer, and of the ticket's own), a Sales User under the own-records rule and under a
User Permission. The permission checks come before anything is sent (SMS Settings are not set up here:
getting past them ends in "Set up SMS Settings")."""

import frappe
import pytest

from crm_suite.crm.messaging import send_message
from tests.integration.channels.conftest import italian_mobile
from tests.integration.factories import make_customer, make_lead, make_user
from tests.integration.service.helpers import make_portal_customer


def set_own_records(on: bool) -> None:
	settings = frappe.get_single("CRM Settings")
	settings.sales_users_see_own_records = 1 if on else 0
	settings.save()


def sms_from(doctype: str, name: str):
	return send_message(doctype, name, "SMS", "Hello")


def test_guest_and_portal_users_cannot_send():
	mine, other = make_portal_customer(), make_portal_customer()
	ticket = frappe.get_doc(
		{
			"doctype": "Ticket",
			"subject": "Broken",
			"customer": mine.customer.name,
			"contact": mine.contact.name,
		}
	).insert()
	frappe.db.set_value("Customer", mine.customer.name, "mobile_no", italian_mobile())
	for user in ("Guest", other.user.name, mine.user.name):
		frappe.set_user(user)
		with pytest.raises(frappe.PermissionError):
			sms_from("Ticket", ticket.name)
		with pytest.raises(frappe.PermissionError):
			sms_from("Customer", mine.customer.name)


def test_a_sales_user_sends_only_from_records_they_may_write():
	frappe.db.set_single_value("SMS Settings", "sms_gateway_url", "")
	owner, other = make_user("Sales User"), make_user("Sales User")
	frappe.set_user(owner.name)
	own = make_lead(mobile_no=italian_mobile())
	frappe.set_user("Administrator")
	foreign = make_lead(mobile_no=italian_mobile())
	# not theirs: the round robin may have assigned it to one of the new Sales Users
	frappe.db.set_value("Lead", foreign.name, {"_assign": None, "lead_owner": None})
	set_own_records(True)
	frappe.set_user(owner.name)
	with pytest.raises(frappe.PermissionError):
		sms_from("Lead", foreign.name)
	with pytest.raises(frappe.ValidationError, match="SMS Settings"):  # past every permission check
		sms_from("Lead", own.name)
	frappe.set_user("Administrator")
	set_own_records(False)
	# a User Permission limiting the other Sales User to one customer
	allowed, denied = make_customer(mobile_no=italian_mobile()), make_customer(mobile_no=italian_mobile())
	frappe.get_doc(
		{"doctype": "User Permission", "user": other.name, "allow": "Customer", "for_value": allowed.name}
	).insert(ignore_permissions=True)
	frappe.set_user(other.name)
	with pytest.raises(frappe.PermissionError):
		sms_from("Customer", denied.name)
	with pytest.raises(frappe.ValidationError, match="SMS Settings"):
		sms_from("Customer", allowed.name)


def test_settings_and_consents_are_for_managers():
	frappe.set_user(make_user("Sales User").name)
	assert not frappe.has_permission("WhatsApp Settings", "read")
	assert frappe.has_permission("Channel Consent", "read")
	assert not frappe.has_permission("Channel Consent", "write")
	assert not frappe.has_permission("Channel Consent", "create")
	frappe.set_user(make_user("Marketing Manager").name)
	assert frappe.has_permission("Channel Consent", "create")
	consent = frappe.get_doc(
		{"doctype": "Channel Consent", "phone": "333 123 4567", "channel": "SMS", "status": "Opted In"}
	)
	frappe.db.set_single_value("Contact Center Settings", "default_region", "IT")
	frappe.clear_document_cache("Contact Center Settings", "Contact Center Settings")
	consent.insert()
	assert consent.phone == "+393331234567"  # stored in E.164
	with pytest.raises(frappe.ValidationError):
		frappe.get_doc(
			{"doctype": "Channel Consent", "phone": "not a number", "channel": "SMS", "status": "Opted In"}
		).insert()
	frappe.set_user("Guest")
	assert not frappe.has_permission("Channel Consent", "read")
	assert not frappe.has_permission("WhatsApp Settings", "read")
