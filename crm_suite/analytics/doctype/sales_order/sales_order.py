# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from crm_suite.analytics import orders
from crm_suite.crm import money
from crm_suite.setup import indexes


class SalesOrder(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from crm_suite.analytics.doctype.sales_order_item.sales_order_item import SalesOrderItem

		amended_from: DF.Link | None
		base_grand_total: DF.Currency
		conversion_rate: DF.Float
		currency: DF.Link
		customer: DF.Link
		customer_name: DF.Data | None
		grand_total: DF.Currency
		is_return: DF.Check
		items: DF.Table[SalesOrderItem]
		naming_series: DF.Literal["SO-.YYYY.-"]
		notes: DF.TextEditor | None
		opportunity: DF.Link | None
		reporting_currency: DF.Link | None
		return_against: DF.Link | None
		total_qty: DF.Float
		transaction_date: DF.Date
	# end: auto-generated types

	def before_validate(self):
		self.currency = self.currency or frappe.db.get_default("currency") or "USD"
		if not self.is_return:
			self.return_against = None
		self.set_totals()

	def validate(self):
		orders.validate_order_lines([(i.qty, i.rate) for i in self.items], bool(self.is_return))
		if self.return_against:
			customer, docstatus = frappe.db.get_value(
				"Sales Order", self.return_against, ["customer", "docstatus"]
			) or (None, None)
			if customer != self.customer or docstatus != 1:
				frappe.throw(
					_("A return is against a submitted order of the same customer."),
					title=_("Invalid Return"),
				)

		money.set_base_amounts(self)

	def set_totals(self):
		for item in self.items:
			item.qty = orders.signed_qty(item.qty, bool(self.is_return))
			item.amount = orders.line_amount(item.qty, item.rate)
			item.currency = self.currency
		totals = orders.order_totals([(i.qty, i.rate) for i in self.items])
		self.total_qty, self.grand_total = totals.total_qty, totals.grand_total


def on_doctype_update():
	"""Its indexes (crm_suite/setup/indexes.py)."""
	indexes.apply("Sales Order")
