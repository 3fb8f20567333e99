# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from crm_suite.crm.messaging import validate_consent


class ChannelConsent(Document):
	def validate(self):
		validate_consent(self)


def on_doctype_update():
	# one consent per number and channel (crm_suite.crm.messaging.set_consent updates it in place); not
	# frappe.db.add_unique, whose lookup can see another site's index (see Campaign Send Log)
	if not frappe.db.has_index("tabChannel Consent", "unique_phone_channel"):
		frappe.db.sql_ddl(
			"alter table `tabChannel Consent` add unique index `unique_phone_channel` (`phone`, `channel`)"
		)
