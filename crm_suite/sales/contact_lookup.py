"""Who has this phone number: the indexed lookup that duplicate detection and the call webhook share.

Leads, Customers and Contacts keep their phone numbers as typed; next to each we store its digits (Lead and
Customer `phone_digits`/`mobile_digits`, Contact Phone `phone_digits`: hidden, read-only, indexed), kept up
to date on every save. A number in E.164 form is then looked up by the digit strings it is commonly typed
as (`+4930123456` → `4930123456`, `30123456`, `030123456`, `0049...`, `011 49...`, `+49 (0)30...`; a
Russian `8 ...`, a Hungarian `06 ...`: `phone_digit_forms`) with `IN` on those indexed columns,
never by scanning and reformatting every stored number. Leads also store their numbers in E.164 form
(`phone_e164`/`mobile_e164`, indexed; it also matches forms such as `+49 (0)30 …`).
"""

import re

import frappe
import phonenumbers

NOT_DIGITS = re.compile(r"[^0-9]")


# The lookups (parameters: `phones`, E.164 numbers; `d`, their digit forms). Each is an IN on indexed columns.
def leads_query(phones: list[str], digits: list[str]):
	lead = frappe.qb.DocType("Lead")
	return (
		frappe.qb.from_(lead)
		.select(lead.name, lead.lead_name.as_("title"), lead.customer, lead.status)
		.where(
			(
				lead.phone_e164.isin(phones)
				| lead.mobile_e164.isin(phones)
				| lead.phone_digits.isin(digits)
				| lead.mobile_digits.isin(digits)
			)
			& lead.merged_into.isnull()
		)
		.orderby(lead.creation)
	)


def customers_query(digits: list[str]):
	customer = frappe.qb.DocType("Customer")
	return (
		frappe.qb.from_(customer)
		.select(customer.name, customer.customer_name.as_("title"), customer.disabled)
		.where(customer.phone_digits.isin(digits) | customer.mobile_digits.isin(digits))
		.orderby(customer.creation)
	)


def contacts_query(digits: list[str]):
	"""Contacts with one of the digits, each with the first Customer it links to."""
	contact, phone = frappe.qb.DocType("Contact").as_("c"), frappe.qb.DocType("Contact Phone").as_("p")
	link = frappe.qb.DocType("Dynamic Link").as_("dl")
	customer = (
		frappe.qb.from_(link)
		.select(link.link_name)
		.where(
			(link.parenttype == "Contact") & (link.parent == contact.name) & (link.link_doctype == "Customer")
		)
		.orderby(link.idx)
		.limit(1)
	)
	with_digits = (
		frappe.qb.from_(phone)
		.select(phone.parent)
		.where(phone.phone_digits.isin(digits) & (phone.parenttype == "Contact"))
	)
	return (
		frappe.qb.from_(contact)
		.select(contact.name, contact.full_name.as_("title"), customer.as_("customer"))
		.where(contact.name.isin(with_digits))
		.orderby(contact.creation)
	)


def phone_digits(phone: str | None) -> str | None:
	"""The ASCII digits of a phone number as typed (`+49 (30) 555-0123` → `49305550123`); None if none.

	The backfill patch computes the same with `regexp_replace(phone, '[^0-9]', '')`."""
	digits = NOT_DIGITS.sub("", phone or "")
	return digits or None


def _international_prefixes() -> tuple[str, ...]:
	"""The exit codes dialled before a country code around the world, as phonenumbers' metadata gives
	them when they are plain digits (00, 011 in North America, 810 in Russia, 0011 in Australia, …).
	A single "0" is left out: it would read many national numbers as international ones."""
	from phonenumbers import PhoneMetadata

	prefixes = set()
	for region in phonenumbers.SUPPORTED_REGIONS:
		meta = PhoneMetadata.metadata_for_region(region)
		for prefix in (meta.international_prefix, meta.preferred_international_prefix):
			prefix = (prefix or "").replace("~", "")  # 8~10: dial 8, wait for the tone, dial 10
			if prefix.isdigit() and len(prefix) > 1:
				prefixes.add(prefix)
	return tuple(sorted(prefixes))


INTERNATIONAL_PREFIXES = _international_prefixes()


def phone_digit_forms(e164: str) -> list[str]:
	"""The digit strings one E.164 number is commonly typed as, for +49 30 123456:

	- international: 4930123456, with an exit code: 004930123456, 0114930123456 (from North America),
	  8104930123456 (from Russia), …;
	- with the trunk prefix kept in brackets: +49 (0)30 123456 → 49030123456 (also after an exit code);
	- national: 30123456, and with the country's trunk prefix: 030123456 (Russia 8 …, Hungary 06 …)."""
	parsed = phonenumbers.parse(e164)
	country = str(parsed.country_code)
	national = phonenumbers.national_significant_number(parsed)
	region = phonenumbers.region_code_for_number(parsed)
	meta = phonenumbers.PhoneMetadata.metadata_for_region(region) if region else None
	trunk = (meta.national_prefix or "") if meta else ""
	forms = {national, "0" + national, trunk + national}
	for exit_code in ("", *INTERNATIONAL_PREFIXES):
		forms.add(exit_code + country + national)
		if trunk:
			forms.add(exit_code + country + trunk + national)
	return sorted(forms)


def set_customer_keys(doc, method=None) -> None:
	"""Customer validate (doc_events)."""
	doc.phone_digits = phone_digits(doc.phone)
	doc.mobile_digits = phone_digits(doc.mobile_no)


def set_contact_keys(doc, method=None) -> None:
	"""Contact validate (doc_events): the digits of each of its phone numbers."""
	for row in doc.get("phone_nos") or []:
		row.phone_digits = phone_digits(row.phone)


def records_with_phones(phones: list[str]) -> dict[str, list[frappe._dict]]:
	"""Leads, Customers and Contacts with one of these E.164 numbers, each list oldest first:

	{"Lead": [name, title, customer, status], "Customer": [name, title, disabled],
	"Contact": [name, title, customer]} (a Contact's customer is the first Customer it links to).
	"""
	phones = sorted({p for p in phones if p})
	found = {"Lead": [], "Customer": [], "Contact": []}
	if not phones:
		return found
	digits = sorted({d for p in phones for d in phone_digit_forms(p)})
	if not frappe.get_meta("Lead").has_field("phone_digits"):
		return found  # code newer than the site: `bench migrate` adds the columns (and fills them)
	found["Lead"] = leads_query(phones, digits).run(as_dict=True)
	found["Customer"] = customers_query(digits).run(as_dict=True)
	found["Contact"] = contacts_query(digits).run(as_dict=True)
	return found
