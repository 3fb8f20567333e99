# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from crm_suite.crm import money


class CustomerOrderSummary(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		customer: DF.Data
		first_order_date: DF.Date | None
		last_order_date: DF.Date | None
		lifetime_value: DF.Currency
		order_count: DF.Int
	# end: auto-generated types

	@property
	def reporting_currency(self) -> str:
		"""The currency of lifetime_value (virtual field: the orders' amounts converted into CRM Settings'
		reporting currency)."""
		return money.reporting_currency()
