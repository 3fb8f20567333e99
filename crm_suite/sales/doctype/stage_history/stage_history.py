# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class StageHistory(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		changed_by: DF.Link | None
		days: DF.Float
		entered_on: DF.Datetime
		left_on: DF.Datetime | None
		next_stage: DF.Data | None
		reference_doctype: DF.Link
		reference_name: DF.DynamicLink
		stage: DF.Data
	# end: auto-generated types
	pass


def on_doctype_update():
	# a record's open stay (left_on null); the Stage Velocity report's stays by stage and time
	frappe.db.add_index("Stage History", ["reference_doctype", "reference_name", "left_on"])
	frappe.db.add_index("Stage History", ["reference_doctype", "entered_on"])
