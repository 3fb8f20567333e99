# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class CampaignSendLog(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		campaign: DF.Link
		day_offset: DF.Int
		email_queue: DF.Link | None
		email_template: DF.Link | None
		error: DF.SmallText | None
		recipient: DF.Data
		reference_doctype: DF.Link | None
		reference_name: DF.DynamicLink | None
		schedule_step: DF.Data
		status: DF.Literal["Queued", "Unsubscribed", "Failed"]
	# end: auto-generated types
	pass


UNIQUE_RECIPIENT = "unique_campaign_step_recipient"


def on_doctype_update():
	# each step reaches each recipient once: a second row for the same address is refused by the database
	frappe.db.add_unique("Campaign Send Log", ["campaign", "schedule_step", "recipient"], UNIQUE_RECIPIENT)
