# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from crm_suite.crm import money
from crm_suite.marketing.campaign import validate_campaign
from crm_suite.utils.validation import validate_date_order, validate_non_negative
from crm_suite.utils.workflow_actions import DeferredAutomation


class Campaign(DeferredAutomation, Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from crm_suite.marketing.doctype.campaign_schedule_step.campaign_schedule_step import (
			CampaignScheduleStep,
		)

		actual_cost: DF.Currency
		base_actual_cost: DF.Currency
		budget: DF.Currency
		campaign_name: DF.Data
		campaign_owner: DF.Link | None
		channel: DF.Literal["", "Email", "Social", "Event", "Ads", "Referral", "Partner"]
		conversion_rate: DF.Float
		currency: DF.Link | None
		description: DF.TextEditor | None
		end_date: DF.Date | None
		lead_source: DF.Link | None
		naming_series: DF.Literal["CAMP-.YYYY.-"]
		reporting_currency: DF.Link | None
		schedule: DF.Table[CampaignScheduleStep]
		start_date: DF.Date | None
		status: DF.Literal["Planned", "Active", "Completed", "Cancelled"]
		target_segment: DF.Link | None
		utm_campaign: DF.Data | None
		utm_medium: DF.Data | None
		utm_source: DF.Data | None
	# end: auto-generated types

	def validate(self):
		validate_date_order(self.start_date, self.end_date, "Start Date", "End Date")
		validate_non_negative(self.budget, "Budget")
		validate_non_negative(self.actual_cost, "Actual Cost")
		validate_campaign(self)
		money.set_base_amounts(self)
