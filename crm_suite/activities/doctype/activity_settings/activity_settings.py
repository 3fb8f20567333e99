# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from crm_suite.activities import settings


class ActivitySettings(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		settings.validate_settings(self)
