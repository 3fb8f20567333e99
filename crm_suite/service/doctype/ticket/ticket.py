# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document
from frappe.utils import now_datetime

from crm_suite.utils.contact_details import normalise_email


class Ticket(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		agent: DF.Link | None
		contact: DF.Link | None
		customer: DF.Link | None
		description: DF.TextEditor | None
		naming_series: DF.Literal["TKT-.YYYY.-"]
		opening_date: DF.Datetime | None
		priority: DF.Literal["Low", "Medium", "High", "Urgent"]
		raised_by: DF.Data | None
		resolution_date: DF.Datetime | None
		status: DF.Literal["Open", "In Progress", "Waiting on Customer", "Resolved", "Closed"]
		subject: DF.Data
		ticket_type: DF.Link | None
	# end: auto-generated types

	def before_validate(self):
		self.raised_by = normalise_email(self.raised_by)
		self.opening_date = self.opening_date or now_datetime()
		self.set_contact_and_customer()
		if self.status in ("Resolved", "Closed"):
			self.resolution_date = self.resolution_date or now_datetime()
		else:
			self.resolution_date = None

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
