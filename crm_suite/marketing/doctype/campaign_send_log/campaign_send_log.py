# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from crm_suite.setup import indexes


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


def on_doctype_update():
	"""Its indexes (crm_suite/setup/indexes.py)."""
	indexes.apply("Campaign Send Log")
