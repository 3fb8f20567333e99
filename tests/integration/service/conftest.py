"""Service tests create agents, and the ticket round robin and the escalation job then assign tickets to
them, which makes Frappe e-mail the assignees.

- Mail goes to Frappe's real Email Queue. In test mode Frappe sends notification mail at once, and the
  send commits (EmailQueue.send marks the row "Sending" with a commit), which would leave the test's
  records behind. With `frappe.flags.mute_emails` (Frappe's own switch, as its setup wizard and data
  import use it) `EmailQueue.can_send_now` is False: the rows are made inside the test's transaction,
  stay "Not Sent", nothing commits and no SMTP server is contacted. Frappe needs an outgoing Email
  Account to build the mail (its muted-mail dummy account has no address), so each test gets one in
  its transaction (an unroutable server; Frappe skips the connection check in tests). Tests check the
  rows (helpers.queued_mail). Tests that commit get the account and the mail queued through it
  deleted afterwards.
- A rolled-back test may have enabled or filled the round robin; Frappe caches assignment rules outside the
  database, so every test starts from a fresh cache."""

import frappe
import pytest
from frappe.utils import now_datetime

from crm_suite.service.routing import RULE
from tests.integration.factories import ensure_outgoing_account

EMAIL_ACCOUNT_CACHES = ("outgoing_email_account", "_outgoing_email_account")


def clear_email_account_cache() -> None:
	for cache in EMAIL_ACCOUNT_CACHES:
		if hasattr(frappe.local, cache):
			delattr(frappe.local, cache)


TEST_SENDER = "service-tests@example.com"


@pytest.fixture(autouse=True)
def isolate_service_test(rollback_after_test, request):
	if frappe.db.exists("Assignment Rule", RULE):
		frappe.get_doc("Assignment Rule", RULE).clear_cache()
	muted, frappe.flags.mute_emails = frappe.flags.mute_emails, True
	clear_email_account_cache()
	started = now_datetime()
	account = ensure_outgoing_account("Service Tests Outgoing", TEST_SENDER)
	# A test that commits (`committed`) commits the account and the mail queued through it too:
	# `committed` deletes the account, the mail is deleted below.
	commits = "committed" in request.fixturenames
	if commits and account:
		request.getfixturevalue("committed")(account)
	yield
	frappe.flags.mute_emails = muted
	clear_email_account_cache()
	if commits:
		frappe.db.rollback()
		mails = frappe.get_all(
			"Email Queue",
			{"creation": (">=", started), "sender": ("like", f"%<{TEST_SENDER}>")},
			pluck="name",
		)
		if mails:
			frappe.db.delete("Email Queue Recipient", {"parent": ("in", mails)})
			frappe.db.delete("Email Queue", {"name": ("in", mails)})
		frappe.db.commit()
