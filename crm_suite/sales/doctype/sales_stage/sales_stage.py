# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from crm_suite.utils.validation import validate_percent


class SalesStage(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		default_probability: DF.Percent
		description: DF.SmallText | None
		stage_name: DF.Data
		stage_order: DF.Int
	# end: auto-generated types

	def validate(self):
		validate_percent(self.default_probability, "Default Probability")
