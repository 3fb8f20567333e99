"""Activity tests queue reminder, digest and invitation mail. As in the service tests (see
tests/integration/service/conftest.py): `frappe.flags.mute_emails` keeps the queued rows inside the test's
transaction (nothing is sent or committed), and each test gets an outgoing Email Account in its
transaction, which Frappe needs to build mail. Tests that commit (`committed`, or marked `commits`: the
two-session tests) are left to Frappe's own mail handling, so no account is committed with their records."""

import frappe
import pytest

from tests.integration.factories import ensure_outgoing_account
from tests.integration.service.conftest import clear_email_account_cache

TEST_SENDER = "activity-tests@example.com"


@pytest.fixture(autouse=True)
def outgoing_mail(rollback_after_test, request):
	if "committed" in request.fixturenames or request.node.get_closest_marker("commits"):
		yield  # mail as Frappe does it (muted mail needs an account, which the test would commit)
		return
	muted, frappe.flags.mute_emails = frappe.flags.mute_emails, True
	clear_email_account_cache()
	ensure_outgoing_account("Activity Tests Outgoing", TEST_SENDER)
	yield
	frappe.flags.mute_emails = muted
	clear_email_account_cache()
