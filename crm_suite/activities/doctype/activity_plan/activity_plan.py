# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from crm_suite.activities import plans


class ActivityPlan(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from crm_suite.activities.doctype.activity_plan_step.activity_plan_step import ActivityPlanStep

		applies_to: DF.Literal["", "Lead", "Opportunity", "Customer", "Ticket"]
		apply_on_lead_status: DF.Literal["", "New", "Contacted", "Qualified", "Unqualified"]
		description: DF.SmallText | None
		enabled: DF.Check
		plan_name: DF.Data
		steps: DF.Table[ActivityPlanStep]
	# end: auto-generated types

	def validate(self):
		plans.validate_plan(self)
