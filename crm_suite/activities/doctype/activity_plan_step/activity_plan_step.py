# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class ActivityPlanStep(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		activity_type: DF.Literal["Call", "Meeting", "Email", "Task"]
		assign_to: DF.Literal["Record Owner", "Current User", "Specific User"]
		due_after_days: DF.Int
		due_time: DF.Time | None
		note: DF.SmallText | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		subject: DF.Data
		user: DF.Link | None
	# end: auto-generated types
	pass
