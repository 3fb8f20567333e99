# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from crm_suite.crm.messaging import validate_consent
from crm_suite.setup import indexes


class ChannelConsent(Document):
	def validate(self):
		validate_consent(self)


def on_doctype_update():
	"""Its indexes (crm_suite/setup/indexes.py)."""
	indexes.apply("Channel Consent")
