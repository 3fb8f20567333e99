# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

# import frappe
from frappe.model.document import Document


class CampaignScheduleStep(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		day_offset: DF.Int
		description: DF.Data | None
		email_template: DF.Link
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		sent_on: DF.Datetime | None
		status: DF.Literal["Pending", "Sent"]
	# end: auto-generated types
	pass
