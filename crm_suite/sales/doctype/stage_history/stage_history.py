# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class StageHistory(Document):
	# begin: auto-generated types
	# end: auto-generated types
	pass


def on_doctype_update():
	# a record's open stay (left_on null); the Stage Velocity report's stays by stage and time
	frappe.db.add_index("Stage History", ["reference_doctype", "reference_name", "left_on"])
	frappe.db.add_index("Stage History", ["reference_doctype", "entered_on"])
