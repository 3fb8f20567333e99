# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

# import frappe
from frappe.model.document import Document


class CallEventLog(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		call_id: DF.Data | None
		event: DF.Literal["ringing", "answered", "ended", "missed"]
		event_id: DF.Data
		interaction: DF.Link | None
		payload: DF.Code | None
		phone_number: DF.Data | None
	# end: auto-generated types
	pass
