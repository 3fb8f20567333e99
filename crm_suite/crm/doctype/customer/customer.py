# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe.contacts.address_and_contact import delete_contact_and_address, load_address_and_contact
from frappe.model.delete_doc import check_if_doc_is_linked
from frappe.model.document import Document

from crm_suite.crm import money
from crm_suite.setup import indexes
from crm_suite.utils.contact_details import normalise_email


class Customer(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		account_manager: DF.Link | None
		avg_days_between_orders: DF.Float
		churn_risk: DF.Check
		clv_estimate: DF.Currency
		customer_group: DF.Link | None
		customer_name: DF.Data
		customer_type: DF.Literal["Company", "Individual"]
		disabled: DF.Check
		email_id: DF.Data | None
		f_score: DF.Int
		first_order_date: DF.Date | None
		frequency: DF.Int
		image: DF.AttachImage | None
		industry: DF.Link | None
		is_repeat_customer: DF.Check
		last_order_date: DF.Date | None
		lead: DF.Link | None
		loyalty_tier: DF.Literal["", "Bronze", "Silver", "Gold", "Platinum"]
		m_score: DF.Int
		mobile_digits: DF.Data | None
		mobile_no: DF.Data | None
		monetary: DF.Currency
		naming_series: DF.Literal["CUST-.YYYY.-"]
		next_activity: DF.Data | None
		next_activity_on: DF.Datetime | None
		notes: DF.TextEditor | None
		order_count: DF.Int
		phone: DF.Data | None
		phone_digits: DF.Data | None
		r_score: DF.Int
		recency_days: DF.Int
		rfm_segment: DF.Literal[
			"",
			"Champions",
			"Loyal",
			"Potential Loyalist",
			"New",
			"Promising",
			"Need Attention",
			"About to Sleep",
			"At Risk",
			"Can't Lose Them",
			"Hibernating",
			"Lost",
		]
		rfm_updated_on: DF.Datetime | None
		territory: DF.Link | None
		website: DF.Data | None
	# end: auto-generated types

	@property
	def reporting_currency(self) -> str:
		"""The currency of monetary and clv_estimate (virtual field: the amounts are in CRM Settings'
		reporting currency, not the site's default currency)."""
		return money.reporting_currency()

	def onload(self):
		load_address_and_contact(self)

	def before_validate(self):
		self.email_id = normalise_email(self.email_id)

	def on_trash(self):
		# Refuse before touching contacts, so a refused delete loses nothing.
		check_if_doc_is_linked(self)
		delete_contact_and_address(self.doctype, self.name)


def on_doctype_update():
	"""Its indexes (crm_suite/setup/indexes.py)."""
	indexes.apply("Customer")
