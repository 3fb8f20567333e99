"""A personal-data deletion removes the person from every text the app keeps, not only from their records.

Frappe's Personal Data Deletion Request overwrites the fields `user_data_fields` names in the person's
records (found by email) and replaces their User's full name and email in the texts of the doctypes listed
without an email column. The app's class (hooks.override_doctype_class) adds, in the same transaction:

- Several Contacts with the person's email: Frappe renames each to the request's name, which only one can
  take; the others get the next free `<name>-<n>@<domain>` (`deleted-user-0001-2@site`), as Frappe's own
  `rename_documents` numbers them.
- Their names, email and phone numbers everywhere else the app wrote them (`redact_texts`): every text field
  of every app doctype (other leads' duplicate matches, activity subjects and titles, segment members,
  interactions, call events, the inbox, consents, `_comments`), the Versions (each form's "changes") and
  Deleted Documents of the app's doctypes, and the ToDos, Comments, Communications and Notification Logs of
  the app's records; and the phone rows of the person's Contacts. The person is read before Frappe
  redacts their records: the full names (two words or more) of their User, Leads and Contacts, their
  email, and the phone numbers of their Leads, Customers and Contacts. A name or the email is replaced in
  every text field; a phone number in the free texts, and in every field of the call and message records
  (TEXTS_WITH_PHONES: calls, messages, the inbox, consents, campaign messages), in the forms it is
  commonly typed in (with or without the country code, an exit code or the trunk prefix, with spaces,
  dashes, dots or brackets). Another record's own number field (a Lead's phone) stays: a number shared
  with someone else is theirs too. In a column of a unique key (a consent per number and channel) the
  replacement ends with the row's name (`REDACTED-<name>`), so redacted rows never collide.
- Each is one bulk statement per table (REGEXP_REPLACE on the rows that match, as Frappe's redaction uses
  REPLACE), run in the request's job after Frappe's steps: the job commits all of it or, failing, none.
  Versions and Deleted Documents of every app doctype are scanned, so a deletion on a large site takes a
  while; it runs in Frappe's long queue.
"""

from __future__ import annotations

import json
import re

import frappe
from frappe.utils import get_fullname
from frappe.website.doctype.personal_data_deletion_request.personal_data_deletion_request import (
	PersonalDataDeletionRequest,
)

from crm_suite.sales.contact_lookup import INTERNATIONAL_PREFIXES, phone_digits
from crm_suite.sales.duplicates import country_region
from crm_suite.utils.contact_details import normalise_phone

# call and message records: every text field may hold the caller's number
TEXTS_WITH_PHONES = ("Interaction", "Call Event Log", "Channel Inbox", "Channel Consent", "Campaign Send Log")
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
FREE_TEXT_FIELDTYPES = TEXT_FIELDTYPES - {"Data"}
# Frappe's records about the app's records: (doctype, column naming the app doctype, text columns)
ATTACHED = (
	("Version", "ref_doctype", ("data",)),
	("Deleted Document", "deleted_doctype", ("data",)),
	("ToDo", "reference_type", ("description",)),
	("Comment", "reference_doctype", ("content",)),
	("Communication", "reference_doctype", ("subject", "content")),
	("Notification Log", "document_type", ("subject", "email_content")),
	("Dynamic Link", "link_doctype", ("link_title",)),
)
REDACTED = "REDACTED"
SEPARATORS = r"[-. /()]*"
MIN_DIGITS = 6  # fewer digits are not a phone number worth matching in free text (a year, an amount)


class CRMPersonalDataDeletionRequest(PersonalDataDeletionRequest):
	"""Frappe's request (hooks.override_doctype_class): the person is read before Frappe redacts their
	records, and removed from the app's texts after, in the same transaction."""

	def _anonymize_data(self, email=None, anon=None, set_data=True, commit=False):
		person = Person.of(email or self.email, anon or self.name)
		result = super()._anonymize_data(email=email, anon=anon, set_data=set_data, commit=commit)
		redact_texts(person)
		if commit:
			frappe.db.commit()
		return result

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


class Person(frappe._dict):
	"""What identifies the person in texts, read before their records are redacted."""

	@classmethod
	def of(cls, email: str, anon: str) -> Person:
		contacts = person_contacts(email) if email else []
		return cls(
			email=email,
			anon=anon,
			names=person_names(email, contacts),
			phones=person_phones(email),
			contacts=contacts,
		)


def person_contacts(email: str) -> list[str]:
	contact = frappe.qb.DocType("Contact")
	contact_email = frappe.qb.DocType("Contact Email")
	return (
		frappe.qb.from_(contact).select(contact.name).where(contact.email_id == email)
		+ frappe.qb.from_(contact_email)
		.select(contact_email.parent)
		.where((contact_email.email_id == email) & (contact_email.parenttype == "Contact"))
	).run(pluck=True)


def person_names(email: str, contacts: list[str]) -> set[str]:
	"""The full names of their User, Leads and Contacts; a single word (a first name alone) is not
	replaced across the site."""
	if not email:
		return set()
	names = {get_fullname(email)}
	names.update(frappe.get_all("Lead", filters={"email_id": email}, pluck="lead_name"))
	for first, middle, last, full in frappe.get_all(
		"Contact",
		filters={"name": ["in", contacts or [""]]},
		fields=["first_name", "middle_name", "last_name", "full_name"],
		as_list=True,
	):
		names.update(
			{full, " ".join(filter(None, (first, middle, last))), " ".join(filter(None, (first, last)))}
		)
	return {n.strip() for n in names if n and len(n.split()) >= 2 and "@" not in n}


def person_phones(email: str) -> set[str]:
	"""The phone numbers, as stored, of the Leads, Customers and Contacts with this email."""
	if not email:
		return set()
	lead = frappe.qb.DocType("Lead")
	customer = frappe.qb.DocType("Customer")
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
	contacts = person_contacts(email)
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


def redact_texts(person: Person) -> None:
	"""Replace the person's names, email and phone numbers in the app's texts (see the module docstring):
	one statement per table, only on the rows that hold one of them."""
	region = country_region(None)
	phones = sorted({p for phone in person.phones if (p := phone_pattern(phone, region))})
	names = sorted(
		{re.escape(v) for n in person.names for v in (n, json.dumps(n)[1:-1])}, key=len, reverse=True
	)
	patterns = frappe._dict(
		email=rf"(?i)(?<![\w.+-]){re.escape(person.email)}(?![\w-])" if person.email else None,
		names=rf"(?i)(?<!\w)(?:{'|'.join(names)})(?!\w)" if names else None,
		phones="|".join(f"(?:{p})" for p in phones) or None,
	)
	if not any(patterns.values()):
		return
	app_doctypes = frappe.get_all(
		"DocType",
		filters={"module": ["in", frappe.get_module_list("crm_suite")], "issingle": 0, "is_virtual": 0},
		pluck="name",
	)
	for doctype in app_doctypes:
		meta = frappe.get_meta(doctype)
		with_phones = doctype in TEXTS_WITH_PHONES
		columns = {
			df.fieldname: with_phones or df.fieldtype in FREE_TEXT_FIELDTYPES
			for df in meta.fields
			if df.fieldtype in TEXT_FIELDTYPES
		}
		if not meta.istable:
			columns["_comments"] = True
		_redact(doctype, columns, patterns, person.anon)
	for doctype, ref_column, text_columns in ATTACHED:
		_redact(
			doctype,
			dict.fromkeys(text_columns, True),
			patterns,
			person.anon,
			condition=(f"`{ref_column}` in %(doctypes)s", {"doctypes": tuple(app_doctypes)}),
		)
	if person.contacts:
		# their Contacts (renamed by Frappe, or kept where the email was a second one): the full name and
		# the phone rows Frappe leaves
		contacts = tuple(
			frappe.get_all("Contact", filters={"email_id": person.anon}, pluck="name")
			+ frappe.get_all("Contact", filters={"name": ["in", person.contacts]}, pluck="name")
		)
		if contacts:
			_redact(
				"Contact",
				{"full_name": False},
				patterns,
				person.anon,
				("`name` in %(contacts)s", {"contacts": contacts}),
			)
			_redact(
				"Contact Phone",
				{"phone": True, "phone_digits": True},
				patterns,
				person.anon,
				("`parenttype` = 'Contact' and `parent` in %(contacts)s", {"contacts": contacts}),
			)


def _redact(doctype: str, columns: dict[str, bool], patterns, anon: str, condition=None) -> None:
	"""columns: fieldname -> whether phone numbers are replaced in it too."""
	existing = set(frappe.db.get_table_columns(doctype))
	# a column of a unique key (a consent per number and channel, a campaign message per recipient) gets
	# the row's name after the replacement, so two redacted rows (of this person or an earlier one) differ
	unique = {
		row.Column_name
		for row in frappe.db.sql(f"show index from `tab{doctype}` where Non_unique = 0", as_dict=True)
		if row.Key_name != "PRIMARY"
	}
	values = {"email": patterns.email, "anon": anon, "redacted": REDACTED}
	assignments, matches = [], []
	for column, with_phones in columns.items():
		if column not in existing:
			continue
		expression, tests = f"`{column}`", []
		for key in ("email", "names", "phones") if with_phones else ("email", "names"):
			if not patterns[key]:
				continue
			values[key] = patterns[key]
			replacement = "%(anon)s" if key == "email" else "%(redacted)s"
			if column in unique:
				replacement = f"concat({replacement}, '-', `name`)"
			expression = f"regexp_replace({expression}, %({key})s, {replacement})"
			tests.append(f"`{column}` regexp %({key})s")
		if tests:
			assignments.append(f"`{column}` = {expression}")
			matches.extend(tests)
	if not assignments:
		return
	where = f"({' or '.join(matches)})"
	if condition:
		where = f"{condition[0]} and {where}"
		values.update(condition[1])
	# bulk statement: every row whose texts hold the person, as Frappe's own redaction does
	frappe.db.sql(f"update `tab{doctype}` set {', '.join(assignments)} where {where}", values)
