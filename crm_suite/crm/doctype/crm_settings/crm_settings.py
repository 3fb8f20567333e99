# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

from crm_suite.utils.singles import SerialisedSingle


class CRMSettings(SerialisedSingle):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		follow_up_days: DF.Int
		import_duplicates: DF.Literal["Flag", "Skip", "Merge"]
		lead_score_model: DF.JSON | None
		learned_score_weight: DF.Percent
		min_history_for_learning: DF.Int
		model_updated_on: DF.Datetime | None
		reporting_currency: DF.Link | None
		sales_users_see_own_records: DF.Check
	# end: auto-generated types

	def validate(self):
		"""A new reporting currency re-converts every stored amount first; a document left without a rate
		stops the save with an error naming the pairs and dates (nothing written)."""
		from crm_suite.crm import money

		before = self.get_doc_before_save()
		old = (before and before.reporting_currency) or money.default_currency()
		new = self.reporting_currency or money.default_currency()
		if new != old:
			money.reconvert_all(to=new)

	def on_update(self):
		"""Switching the own-records option on stops matches on leads keeping their names: the names
		stored before are blanked by a job (crm_suite/sales/match_names.py)."""
		from crm_suite.sales import match_names

		if self.sales_users_see_own_records and self.has_value_changed("sales_users_see_own_records"):
			match_names.request()
