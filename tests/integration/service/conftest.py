"""Service tests create agents, and the ticket round robin then assigns tickets to them.

- In test mode Frappe e-mails assignment notifications at once, and its e-mail queue commits while sending,
  which would leave the test's records behind. Here the queue keeps the mails (inside the test's
  transaction, where tests can look at them) and never sends, so nothing commits; Notification Logs are
  made but not e-mailed.
- A rolled-back test may have enabled or filled the round robin; Frappe caches assignment rules outside the
  database, so every test starts from a fresh cache."""

import frappe
import pytest
from frappe.desk.doctype.notification_log import notification_log
from frappe.email.doctype.email_queue.email_queue import EmailQueue

from crm_suite.service.routing import RULE


@pytest.fixture(autouse=True)
def isolate_service_test(rollback_after_test, monkeypatch):
	if frappe.db.exists("Assignment Rule", RULE):
		frappe.get_doc("Assignment Rule", RULE).clear_cache()
	monkeypatch.setattr(EmailQueue, "can_send_now", lambda self: False)
	# Notification Logs (assignments, escalations) are still created and checked; only their e-mail copy,
	# which on a site without outgoing mail ends in a committed Error Log, is left out.
	monkeypatch.setattr(notification_log, "send_notification_email", lambda doc: None)
	yield
