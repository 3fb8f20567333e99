# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from crm_suite.sales import conversion, duplicates, import_pass, scoring
from crm_suite.setup import indexes
from crm_suite.utils.contact_details import full_name, normalise_email
from crm_suite.utils.workflow_actions import DeferredAutomation


class Lead(DeferredAutomation, Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from crm_suite.sales.doctype.lead_duplicate.lead_duplicate import LeadDuplicate

		address_line1: DF.Data | None
		campaign: DF.Link | None
		city: DF.Data | None
		company_name: DF.Data | None
		converted_on: DF.Datetime | None
		country: DF.Link | None
		customer: DF.Link | None
		duplicates: DF.Table[LeadDuplicate]
		email_id: DF.Data | None
		first_name: DF.Data | None
		follow_up_todo: DF.Link | None
		image: DF.AttachImage | None
		import_pending: DF.Check
		industry: DF.Link | None
		is_duplicate: DF.Check
		job_title: DF.Data | None
		last_name: DF.Data | None
		lead_name: DF.Data | None
		lead_owner: DF.Link | None
		lead_score: DF.Int
		merged_into: DF.Link | None
		mobile_digits: DF.Data | None
		mobile_e164: DF.Data | None
		mobile_no: DF.Data | None
		naming_series: DF.Literal["CRM-LEAD-.YYYY.-"]
		next_activity: DF.Data | None
		next_activity_on: DF.Datetime | None
		notes: DF.TextEditor | None
		opportunity: DF.Link | None
		phone: DF.Data | None
		phone_digits: DF.Data | None
		phone_e164: DF.Data | None
		pincode: DF.Data | None
		salutation: DF.Link | None
		score_probability: DF.Percent
		score_rule_points: DF.Int
		score_updated_on: DF.Datetime | None
		source: DF.Link | None
		state: DF.Data | None
		status: DF.Literal["New", "Contacted", "Qualified", "Unqualified", "Converted"]
		territory: DF.Link | None
		utm_campaign: DF.Data | None
		utm_medium: DF.Data | None
		utm_source: DF.Data | None
		website: DF.Data | None
	# end: auto-generated types

	def before_validate(self):
		self.email_id = normalise_email(self.email_id)
		self.lead_name = full_name(self.first_name, self.last_name) or self.company_name
		duplicates.set_contact_keys(self)

	def validate(self):
		if not self.lead_name:
			frappe.throw(_("A lead needs a first name or an organisation."), title=_("Missing Name"))
		conversion.validate_status(self)
		if self.is_new() and frappe.flags.in_import:
			# Data Import: duplicates, score and assignment come from the pass after the import.
			import_pass.check_row(self)
			return
		if (
			self.is_new()
			or self.has_value_changed("email_id")
			or self.has_value_changed("phone_e164")
			or (self.has_value_changed("mobile_e164"))
		):
			duplicates.flag_duplicates(self)
		scoring.set_score(self)

	def after_insert(self):
		if frappe.flags.in_import:
			import_pass.create_workflow_action(self)

	def save_version(self):
		"""Frappe's Version (track_changes), skipped only where Frappe stores none: a save with nothing to
		compare against (an insert) and no `updater_reference` (Version.for_insert). Frappe still builds a
		new Version document there (its defaults and meta): a twentieth of a REST lead's CPU."""
		if (
			self._doc_before_save is None
			and not self.get("amended_from")
			and not self.flags.updater_reference
		):
			return
		super().save_version()

	def apply_fieldlevel_read_permissions(self):
		"""Also hides stored duplicate matches the reader may not read (duplicates.hide_unreadable_matches)."""
		super().apply_fieldlevel_read_permissions()
		duplicates.hide_unreadable_matches(self)


def on_doctype_update():
	"""Its indexes (crm_suite/setup/indexes.py)."""
	indexes.apply("Lead")
