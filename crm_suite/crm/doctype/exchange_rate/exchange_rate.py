# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt
"""A dated exchange rate (1 from_currency = rate to_currency from `date` on). Thin: the rules live in
crm_suite/crm/money.py; saving or deleting one re-converts the stored reporting-currency amounts it affects."""

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate

from crm_suite.crm import money
from crm_suite.setup import indexes

SAVEPOINT = "crm_exchange_rate_delete"


class ExchangeRate(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		date: DF.Date
		from_currency: DF.Link
		rate: DF.Float
		to_currency: DF.Link
	# end: auto-generated types

	def validate(self):
		money.validate_rate_pair(self.from_currency, self.to_currency, self.rate)
		duplicate = frappe.db.exists(
			"Exchange Rate",
			{
				"from_currency": self.from_currency,
				"to_currency": self.to_currency,
				"date": self.date,
				"name": ("!=", self.name or ""),
			},
		)
		if duplicate:
			frappe.throw(
				_("There is already a rate from {0} to {1} on {2}: {3}.").format(
					self.from_currency, self.to_currency, frappe.format(self.date, "Date"), duplicate
				),
				frappe.DuplicateEntryError,
				title=_("Duplicate Exchange Rate"),
			)

	def on_update(self):
		before = self.get_doc_before_save()
		pairs = {(self.from_currency, self.to_currency)}
		dates = [getdate(self.date)]
		if before:
			pairs.add((before.from_currency, before.to_currency))
			dates.append(getdate(before.date))
		money.reconvert_for_rates(pairs, min(dates))

	def on_trash(self):
		frappe.db.savepoint(SAVEPOINT)

	def after_delete(self):
		"""Documents that needed this rate are refused as a whole: the deletion is undone too, also when the
		caller keeps its transaction (the error names the pairs and dates)."""
		try:
			money.reconvert_for_rates({(self.from_currency, self.to_currency)}, self.date)
		except money.MissingExchangeRate:
			frappe.db.rollback(save_point=SAVEPOINT)
			raise


def on_doctype_update():
	"""Its indexes (crm_suite/setup/indexes.py)."""
	indexes.apply("Exchange Rate")
