"""A personal-data deletion also removes the person's phone numbers from the call and message texts.

Frappe's Personal Data Deletion Request replaces the person's name and email in the texts of the doctypes
`user_data_fields` lists without an email column (Interaction, Call Event Log), but not their phone numbers,
which the call webhook and the messaging channels write there (`phone_number`, `normalised_phone`, the
`conversation`, the notes, the raw payload). The person is found by email, as Frappe does: the phone
numbers of their Leads, Customers and Contacts are read before Frappe redacts those records, and each
number is replaced in every text field of those doctypes in the forms it is commonly typed in (with or
without the country code, an exit code or the trunk prefix, with spaces, dashes, dots or brackets).

Frappe renames each Contact with the person's email to the request's name, which only one can take; the
others get the next free `<name>-<n>@<domain>` (`deleted-user-0001-2@site`), as Frappe's own
`rename_documents` numbers them.
"""

from __future__ import annotations

import re

import frappe
from frappe.website.doctype.personal_data_deletion_request.personal_data_deletion_request import (
	PersonalDataDeletionRequest,
)

from crm_suite.sales.contact_lookup import INTERNATIONAL_PREFIXES, phone_digits
from crm_suite.sales.duplicates import country_region
from crm_suite.utils.contact_details import normalise_phone

TEXTS_WITH_PHONES = ("Interaction", "Call Event Log")
TEXT_FIELDTYPES = {
	"Small Text",
	"Text",
	"Text Editor",
	"Code",
	"HTML Editor",
	"Markdown Editor",
	"Long Text",
	"Data",
}
REDACTED = "REDACTED"
SEPARATORS = r"[-. /()]*"
MIN_DIGITS = 6  # fewer digits are not a phone number worth matching in free text (a year, an amount)


class CRMPersonalDataDeletionRequest(PersonalDataDeletionRequest):
	"""Frappe's request (hooks.override_doctype_class); the phone numbers are redacted first, in the same
	transaction, while the person's records still hold them."""

	def _anonymize_data(self, email=None, anon=None, set_data=True, commit=False):
		redact_phones(person_phones(email or self.email))
		return super()._anonymize_data(email=email, anon=anon, set_data=set_data, commit=commit)

	def redact_doc(self, doc, ref):
		"""Frappe renames each matching document (a Contact) to the request's name; a second one with the
		same email gets the next free `<name>-<n>@<domain>`, as Frappe's `rename_documents` numbers them."""
		if ref.get("rename") and doc["name"] != self.anon and frappe.db.exists(ref["doctype"], self.anon):
			super().redact_doc(doc, {**ref, "rename": False})
			frappe.rename_doc(
				ref["doctype"],
				doc["name"],
				free_name(ref["doctype"], self.anon),
				force=True,
				show_alert=False,
			)
			return
		super().redact_doc(doc, ref)


def free_name(doctype: str, anon: str) -> str:
	user, domain = anon.split("@", 1)
	number = 2
	while frappe.db.exists(doctype, f"{user}-{number}@{domain}"):
		number += 1
	return f"{user}-{number}@{domain}"


def person_phones(email: str) -> set[str]:
	"""The phone numbers, as stored, of the Leads, Customers and Contacts with this email."""
	if not email:
		return set()
	lead = frappe.qb.DocType("Lead")
	customer = frappe.qb.DocType("Customer")
	contact = frappe.qb.DocType("Contact")
	contact_email = frappe.qb.DocType("Contact Email")
	contact_phone = frappe.qb.DocType("Contact Phone")
	rows = (
		frappe.qb.from_(lead)
		.select(lead.phone, lead.mobile_no, lead.phone_e164, lead.mobile_e164)
		.where(lead.email_id == email)
		.run()
	)
	rows += (
		frappe.qb.from_(customer)
		.select(customer.phone, customer.mobile_no)
		.where(customer.email_id == email)
		.run()
	)
	contacts = (
		frappe.qb.from_(contact).select(contact.name).where(contact.email_id == email)
		+ frappe.qb.from_(contact_email)
		.select(contact_email.parent)
		.where((contact_email.email_id == email) & (contact_email.parenttype == "Contact"))
	).run(pluck=True)
	if contacts:
		rows += (
			frappe.qb.from_(contact_phone)
			.select(contact_phone.phone)
			.where((contact_phone.parent.isin(contacts)) & (contact_phone.parenttype == "Contact"))
			.run()
		)
	return {value.strip() for row in rows for value in row if value and value.strip()}


def phone_pattern(phone: str, region: str | None) -> str | None:
	"""A regular expression (PCRE, as MariaDB's REGEXP_REPLACE reads it) for the forms this number is
	typed in; None when it has too few digits to be matched in free text."""
	e164 = normalise_phone(phone, region)
	if not e164:
		digits = phone_digits(phone) or ""
		return rf"(?<![0-9]){_digits(digits)}(?![0-9])" if len(digits) >= MIN_DIGITS else None
	import phonenumbers

	parsed = phonenumbers.parse(e164)
	national = phonenumbers.national_significant_number(parsed)
	meta = phonenumbers.PhoneMetadata.metadata_for_region(phonenumbers.region_code_for_number(parsed) or "")
	trunk = (meta.national_prefix or "") if meta else ""
	exits = "|".join(sorted(INTERNATIONAL_PREFIXES, key=len, reverse=True))
	international = rf"(?:\+|(?:{exits}))?{SEPARATORS}{_digits(str(parsed.country_code))}{SEPARATORS}"
	trunk_part = rf"(?:{_digits(trunk)}{SEPARATORS})?" if trunk else ""
	return rf"(?<![0-9])(?:{international})?{trunk_part}{_digits(national)}(?![0-9])"


def _digits(digits: str) -> str:
	return SEPARATORS.join(re.escape(d) for d in digits)


def redact_phones(phones: set[str]) -> None:
	"""Replace the numbers in every text field of the doctypes in TEXTS_WITH_PHONES."""
	region = country_region(None)
	patterns = sorted({p for phone in phones if (p := phone_pattern(phone, region))})
	if not patterns:
		return
	pattern = "|".join(f"(?:{p})" for p in patterns)
	for doctype in TEXTS_WITH_PHONES:
		fields = [df.fieldname for df in frappe.get_meta(doctype).fields if df.fieldtype in TEXT_FIELDTYPES]
		assignments = ", ".join(f"`{f}` = regexp_replace(`{f}`, %(pattern)s, %(redacted)s)" for f in fields)
		matches = " or ".join(f"`{f}` regexp %(pattern)s" for f in fields)
		# bulk statement: every row whose texts hold one of the numbers, as Frappe's own redaction does
		frappe.db.sql(
			f"update `tab{doctype}` set {assignments} where {matches}",
			{"pattern": pattern, "redacted": REDACTED},
		)
