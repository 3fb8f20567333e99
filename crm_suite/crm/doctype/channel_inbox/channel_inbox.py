# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class ChannelInbox(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		channel: DF.Literal["SMS", "WhatsApp"]
		error: DF.SmallText | None
		interaction: DF.Link | None
		lane: DF.Int
		message_id: DF.Data
		message_key: DF.Data
		phone_number: DF.Data | None
		received_on: DF.Datetime | None
		status: DF.Literal["Pending", "Done", "Failed"]
		text: DF.LongText | None
	# end: auto-generated types
	pass


def on_doctype_update():
	# a lane's job reads its pending messages in the order they came
	frappe.db.add_index("Channel Inbox", ["status", "lane", "creation"])
