# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from crm_suite.setup import indexes


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
	"""Its indexes (crm_suite/setup/indexes.py)."""
	indexes.apply("Stage History")
