# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from crm_suite.activities import plans


class ActivityPlan(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		plans.validate_plan(self)
