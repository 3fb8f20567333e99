# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

from crm_suite.analytics import basket, rfm
from crm_suite.utils.singles import SerialisedSingle


class AnalyticsSettings(SerialisedSingle):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		basket_min_confidence: DF.Float
		basket_min_support: DF.Float
		basket_window_days: DF.Int
		churn_days_single_order: DF.Int
		churn_interval_factor: DF.Float
		clv_lifetime_years: DF.Float
		clv_margin_percent: DF.Percent
		last_basket_run: DF.Datetime | None
		last_rfm_run: DF.Datetime | None
		rfm_window_days: DF.Int
	# end: auto-generated types

	def validate(self):
		rfm.validate_rfm_settings(
			rfm.RfmSettings(
				window_days=self.rfm_window_days,
				churn_interval_factor=self.churn_interval_factor,
				churn_days_single_order=self.churn_days_single_order,
				clv_lifetime_years=self.clv_lifetime_years,
				clv_margin_percent=self.clv_margin_percent,
			)
		)
		basket.validate_basket_settings(
			basket.BasketSettings(
				window_days=self.basket_window_days,
				min_support=self.basket_min_support,
				min_confidence=self.basket_min_confidence,
			)
		)
