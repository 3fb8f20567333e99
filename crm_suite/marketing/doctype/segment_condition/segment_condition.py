# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

# import frappe
from frappe.model.document import Document


class SegmentCondition(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		fieldname: DF.Autocomplete
		operator: DF.Literal["=", "!=", ">", ">=", "<", "<=", "like", "not like", "in", "not in", "is"]
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		value: DF.Data | None
	# end: auto-generated types
	pass
