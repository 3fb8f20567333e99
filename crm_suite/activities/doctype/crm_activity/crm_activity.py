# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from crm_suite.activities import activities


class CRMActivity(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		activities.lock_records(activities.records_of(self))
		activities.validate(self)

	def on_update(self):
		activities.on_update(self)

	def on_trash(self):
		activities.lock_records(activities.records_of(self))

	def after_delete(self):
		activities.after_change(self)


def on_doctype_update():
	# My Day and the digest: a user's open activities by due time; a record's next activity; reminders and
	# the calendar's time range
	frappe.db.add_index("CRM Activity", ["assigned_to", "status", "due_on"])
	frappe.db.add_index("CRM Activity", ["reference_doctype", "reference_name", "status", "due_on"])
	frappe.db.add_index("CRM Activity", ["status", "due_on"])
	frappe.db.add_index("CRM Activity", ["due_on", "ends_on"])
