# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

from crm_suite.activities import settings
from crm_suite.utils.singles import SerialisedSingle


class ActivitySettings(SerialisedSingle):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		at_risk_segments: DF.SmallText | None
		digest_hour: DF.Int
		hot_lead_idle_days: DF.Int
		hot_lead_score: DF.Int
		include_churn_risk: DF.Check
		missed_call_days: DF.Int
		reminder_email: DF.Check
		reminder_minutes: DF.Int
		send_digest: DF.Check
		ticket_at_risk_minutes: DF.Int
	# end: auto-generated types

	def validate(self):
		settings.validate_settings(self)
