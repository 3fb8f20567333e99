# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from crm_suite.utils.validation import validate_non_negative


class Product(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		description: DF.TextEditor | None
		disabled: DF.Check
		item_code: DF.Data
		item_name: DF.Data
		product_group: DF.Data | None
		standard_rate: DF.Currency
		uom: DF.Data | None
	# end: auto-generated types

	def validate(self):
		validate_non_negative(self.standard_rate, "Standard Rate")
