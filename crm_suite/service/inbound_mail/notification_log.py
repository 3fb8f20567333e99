"""Notification Log without an outgoing Email Account (`override_doctype_class` in hooks.py).

Upstream behaviour this replaces (Frappe 15.44, `NotificationLog.after_insert`): the e-mail copy of an
in-app notification is sent with `frappe.sendmail`, which raises "Please setup default Email Account"
when the site has no outgoing account, and every such notification is logged as "Failed to send
notification email". Each ticket made from mail in is assigned by the round robin, so a site that only
receives mail logged one error per pulled mail. Here the e-mail copy is skipped when there is no
outgoing account (the in-app notification is made as before), as Frappe's own thread notifications of
a new mail skip sending when they find no account; with an account, Frappe's code runs unchanged."""

from __future__ import annotations

import frappe
from frappe.desk.doctype.notification_log.notification_log import (
	NotificationLog,
	set_notifications_as_unseen,
)
from frappe.email.doctype.email_account.email_account import EmailAccount


def outgoing_account_exists() -> bool:
	"""The default outgoing account `frappe.sendmail` falls back to (an Email Account or the site
	config's mail settings). While mail is muted (a Data Import mutes it by default) Frappe stands in an
	account without an address, on which its own e-mail copy fails ("'NoneType' object has no attribute
	'encode'" in `default_sender`): that stand-in is no account either."""
	try:
		found = EmailAccount.find_outgoing()
	except frappe.OutgoingEmailError:
		return False
	return bool(found and found.get("email_id"))


class SupportNotificationLog(NotificationLog):
	def after_insert(self) -> None:
		if outgoing_account_exists():
			return super().after_insert()
		frappe.publish_realtime("notification", after_commit=True, user=self.for_user)
		set_notifications_as_unseen(self.for_user)
