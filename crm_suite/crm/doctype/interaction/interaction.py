# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from crm_suite.crm.interactions import validate_interaction
from crm_suite.setup import indexes


class Interaction(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		agent: DF.Link | None
		call_id: DF.Data | None
		call_status: DF.Literal["", "Ringing", "Answered", "Ended", "Missed"]
		channel: DF.Literal["Call", "Email", "Meeting", "Chat", "SMS", "WhatsApp", "Web Form", "Task"]
		contact: DF.Link | None
		conversation: DF.Data | None
		customer: DF.Link | None
		delivery_error: DF.SmallText | None
		delivery_status: DF.Literal["", "Queued", "Sent", "Delivered", "Read", "Failed"]
		direction: DF.Literal["Inbound", "Outbound"]
		duration: DF.Duration | None
		interaction_time: DF.Datetime
		invalid_phone: DF.Check
		lead: DF.Link | None
		message_id: DF.Data | None
		message_type: DF.Data | None
		naming_series: DF.Literal["INT-.YYYY.-"]
		normalised_phone: DF.Data | None
		notes: DF.TextEditor | None
		outcome: DF.Literal[
			"",
			"Connected",
			"No Answer",
			"Voicemail",
			"Busy",
			"Interested",
			"Not Interested",
			"Follow-up Needed",
			"Resolved",
		]
		phone_number: DF.Data | None
		reference_doctype: DF.Link | None
		reference_name: DF.DynamicLink | None
		subject: DF.Data | None
		template_name: DF.Data | None
	# end: auto-generated types

	def validate(self):
		validate_interaction(self)


def on_doctype_update():
	"""Its indexes (crm_suite/setup/indexes.py)."""
	indexes.apply("Interaction")
