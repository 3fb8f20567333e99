# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document
from frappe.utils import now_datetime

from crm_suite.service.feedback import on_ticket_update
from crm_suite.service.portal import restrict_portal_ticket
from crm_suite.service.sla import apply_sla
from crm_suite.setup import indexes
from crm_suite.utils.contact_details import normalise_email
from crm_suite.utils.workflow_actions import DeferredAutomation


class Ticket(DeferredAutomation, Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		agent: DF.Link | None
		agreement_status: DF.Literal[
			"", "First Response Due", "Resolution Due", "Paused", "Fulfilled", "Failed"
		]
		contact: DF.Link | None
		customer: DF.Link | None
		description: DF.TextEditor | None
		escalated_on: DF.Datetime | None
		escalated_to: DF.Link | None
		feedback_comment: DF.SmallText | None
		feedback_on: DF.Datetime | None
		feedback_rating: DF.Int
		feedback_requested_on: DF.Datetime | None
		first_responded_on: DF.Datetime | None
		naming_series: DF.Literal["TKT-.YYYY.-"]
		next_activity: DF.Data | None
		next_activity_on: DF.Datetime | None
		opening_date: DF.Datetime | None
		paused_minutes: DF.Float
		paused_since: DF.Datetime | None
		priority: DF.Literal["Low", "Medium", "High", "Urgent"]
		raised_by: DF.Data | None
		resolution_by: DF.Datetime | None
		resolution_date: DF.Datetime | None
		response_by: DF.Datetime | None
		service_level_agreement: DF.Link | None
		status: DF.Literal["Open", "In Progress", "Waiting on Customer", "Resolved", "Closed"]
		subject: DF.Data
		ticket_type: DF.Link | None
	# end: auto-generated types

	def before_validate(self):
		if self.is_new():
			restrict_portal_ticket(self)
		self.raised_by = normalise_email(self.raised_by)
		self.opening_date = self.opening_date or now_datetime()
		self.set_contact_and_customer()
		if self.status in ("Resolved", "Closed"):
			self.resolution_date = self.resolution_date or now_datetime()
		else:
			self.resolution_date = None

	def validate(self):
		apply_sla(self)

	def validate_workflow(self):
		# Status changes made by the system (customer replies, the auto-close job) are not user
		# transitions: the code making them decides which are allowed.
		if self.flags.system_transition:
			return
		return super().validate_workflow()

	def on_update(self):
		on_ticket_update(self)

	def set_contact_and_customer(self):
		"""Fill the contact and customer from the sender's address when they are known."""
		if self.raised_by and not self.contact:
			self.contact = frappe.db.get_value("Contact Email", {"email_id": self.raised_by}, "parent")
		if self.contact and not self.customer:
			self.customer = frappe.db.get_value(
				"Dynamic Link",
				{"parenttype": "Contact", "parent": self.contact, "link_doctype": "Customer"},
				"link_name",
			)


def on_doctype_update():
	"""Its indexes (crm_suite/setup/indexes.py)."""
	indexes.apply("Ticket")
