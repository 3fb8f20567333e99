# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from crm_suite.activities import activities
from crm_suite.setup import indexes


class CRMActivity(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		activity_plan: DF.Link | None
		activity_type: DF.Literal["Call", "Meeting", "Email", "Task"]
		all_day: DF.Check
		assigned_to: DF.Link
		closed_by: DF.Link | None
		closed_on: DF.Datetime | None
		contact: DF.Link | None
		customer: DF.Link | None
		due_on: DF.Datetime
		ends_on: DF.Datetime | None
		interaction: DF.Link | None
		invitation_sent_on: DF.Datetime | None
		invitation_sequence: DF.Int
		invitee_email: DF.Data | None
		location: DF.Data | None
		naming_series: DF.Literal["ACT-.YYYY.-"]
		note: DF.TextEditor | None
		outcome: DF.SmallText | None
		reference_doctype: DF.Link
		reference_name: DF.DynamicLink
		reference_title: DF.Data | None
		reminder_sent_for: DF.Datetime | None
		status: DF.Literal["Open", "Done", "Cancelled"]
		subject: DF.Data | None
	# end: auto-generated types

	def validate(self):
		activities.lock_records(activities.records_of(self))
		activities.validate(self)

	def on_update(self):
		activities.on_update(self)

	def on_trash(self):
		activities.lock_records(activities.records_of(self))

	def after_delete(self):
		activities.after_change(self)


def on_doctype_update():
	"""Its indexes (crm_suite/setup/indexes.py)."""
	indexes.apply("CRM Activity")
