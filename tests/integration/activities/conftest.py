"""Activity tests queue reminder, digest and invitation mail. As in the service tests (see
tests/integration/service/conftest.py): `frappe.flags.mute_emails` keeps the queued rows inside the test's
transaction (nothing is sent or committed), and each test gets an outgoing Email Account in its
transaction, which Frappe needs to build mail."""

import frappe
import pytest

from tests.integration.service.conftest import clear_email_account_cache

TEST_SENDER = "activity-tests@example.com"


@pytest.fixture(autouse=True)
def outgoing_mail(rollback_after_test, request):
	muted, frappe.flags.mute_emails = frappe.flags.mute_emails, True
	clear_email_account_cache()
	if "committed" not in request.fixturenames and not frappe.db.exists(
		"Email Account", {"enable_outgoing": 1, "default_outgoing": 1}
	):
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": "Activity Tests Outgoing",
				"email_id": TEST_SENDER,
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"no_smtp_authentication": 1,
				"smtp_server": "smtp.example.invalid",
			}
		).insert(ignore_permissions=True)
	yield
	frappe.flags.mute_emails = muted
	clear_email_account_cache()
