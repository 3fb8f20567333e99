# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

# import frappe
from crm_suite.utils.singles import SerialisedSingle


class SupportSettings(SerialisedSingle):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		at_risk_minutes: DF.Int
		auto_close_after_days: DF.Int
		escalation_manager: DF.Link | None
		send_feedback_request: DF.Check
	# end: auto-generated types
	pass
