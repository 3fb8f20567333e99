# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe.contacts.address_and_contact import delete_contact_and_address, load_address_and_contact
from frappe.model.delete_doc import check_if_doc_is_linked
from frappe.model.document import Document

from crm_suite.utils.contact_details import normalise_email


class Customer(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		account_manager: DF.Link | None
		customer_group: DF.Link | None
		customer_name: DF.Data
		customer_type: DF.Literal["Company", "Individual"]
		disabled: DF.Check
		email_id: DF.Data | None
		image: DF.AttachImage | None
		industry: DF.Link | None
		lead: DF.Link | None
		mobile_no: DF.Data | None
		naming_series: DF.Literal["CUST-.YYYY.-"]
		notes: DF.TextEditor | None
		phone: DF.Data | None
		territory: DF.Link | None
		website: DF.Data | None
	# end: auto-generated types

	def onload(self):
		load_address_and_contact(self)

	def before_validate(self):
		self.email_id = normalise_email(self.email_id)

	def on_trash(self):
		# Refuse before touching contacts, so a refused delete loses nothing.
		check_if_doc_is_linked(self)
		delete_contact_and_address(self.doctype, self.name)
