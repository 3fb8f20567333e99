# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import nowdate

from crm_suite.crm import money
from crm_suite.sales import opportunity_value
from crm_suite.setup import indexes
from crm_suite.utils.validation import validate_non_negative, validate_percent
from crm_suite.utils.workflow_actions import DeferredAutomation


class Opportunity(DeferredAutomation, Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from crm_suite.sales.doctype.opportunity_item.opportunity_item import OpportunityItem

		amount: DF.Currency
		base_amount: DF.Currency
		base_weighted_amount: DF.Currency
		campaign: DF.Link | None
		closed_on: DF.Date | None
		conversion_rate: DF.Float
		currency: DF.Link
		customer: DF.Link | None
		expected_close_date: DF.Date | None
		items: DF.Table[OpportunityItem]
		lead: DF.Link | None
		lost_detail: DF.SmallText | None
		lost_reason: DF.Link | None
		naming_series: DF.Literal["CRM-OPP-.YYYY.-"]
		next_activity: DF.Data | None
		next_activity_on: DF.Datetime | None
		notes: DF.TextEditor | None
		opportunity_owner: DF.Link | None
		probability: DF.Percent
		reporting_currency: DF.Link | None
		sales_stage: DF.Link | None
		source: DF.Link | None
		status: DF.Literal["Open", "Won", "Lost"]
		title: DF.Data
		total_qty: DF.Float
		weighted_amount: DF.Currency
	# end: auto-generated types

	def before_validate(self):
		self.currency = self.currency or frappe.db.get_default("currency") or "USD"
		self.title = self.title or self.party_title()
		self.set_stage_probability()
		self.probability = opportunity_value.probability_for_status(self.status, self.probability)
		self.set_totals()
		self.set_closed_on()

	def validate(self):
		if not (self.customer or self.lead):
			frappe.throw(
				_("An opportunity is for a Lead or a Customer: set one of them."), title=_("Missing Party")
			)
		validate_percent(self.probability, "Probability")
		validate_non_negative(self.amount, "Amount")
		for item in self.items:
			validate_non_negative(item.qty, _("Quantity in row {0}").format(item.idx))
			validate_non_negative(item.rate, _("Rate in row {0}").format(item.idx))
		if self.status == "Lost" and not self.lost_reason:
			frappe.throw(_("Set a Lost Reason for a lost opportunity."), title=_("Missing Lost Reason"))
		money.set_base_amounts(self)

	def party_title(self) -> str | None:
		if self.customer:
			return frappe.db.get_value("Customer", self.customer, "customer_name")
		if self.lead:
			return frappe.db.get_value("Lead", self.lead, "lead_name")

	def set_stage_probability(self):
		"""Entering a stage sets its default probability, unless the user set one in the same save."""
		if self.is_new():
			stage_entered, user_set_probability = bool(self.sales_stage), bool(self.probability)
		else:
			stage_entered = bool(self.sales_stage) and self.has_value_changed("sales_stage")
			user_set_probability = self.has_value_changed("probability")
		if stage_entered and not user_set_probability:
			self.probability = (
				frappe.db.get_value("Sales Stage", self.sales_stage, "default_probability") or 0
			)

	def set_totals(self):
		for item in self.items:
			item.amount = opportunity_value.line_amount(item.qty, item.rate)
			item.currency = self.currency
		if self.items:
			totals = opportunity_value.totals([(i.qty, i.rate) for i in self.items])
			self.total_qty, self.amount = totals.total_qty, totals.amount
		self.weighted_amount = opportunity_value.weighted_amount(self.amount, self.probability)

	def set_closed_on(self):
		if self.status == "Open":
			self.closed_on = None
		elif not self.closed_on or self.has_value_changed("status"):
			self.closed_on = nowdate()


def on_doctype_update():
	"""Its indexes (crm_suite/setup/indexes.py)."""
	indexes.apply("Opportunity")
