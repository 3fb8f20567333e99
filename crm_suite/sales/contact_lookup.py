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
LEADS = """select name, lead_name as title, customer, status from `tabLead`
	where (phone_e164 in %(phones)s or mobile_e164 in %(phones)s or phone_digits in %(d)s
		or mobile_digits in %(d)s) and merged_into is null
	order by creation"""
CUSTOMERS = """select name, customer_name as title, disabled from `tabCustomer`
	where phone_digits in %(d)s or mobile_digits in %(d)s
	order by creation"""
CONTACTS = """select c.name, c.full_name as title,
		(select dl.link_name from `tabDynamic Link` dl where dl.parenttype = 'Contact'
			and dl.parent = c.name and dl.link_doctype = 'Customer' order by dl.idx limit 1) as customer
	from `tabContact` c
	where c.name in (select p.parent from `tabContact Phone` p
		where p.phone_digits in %(d)s and p.parenttype = 'Contact')
	order by c.creation"""


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
	found["Lead"] = frappe.db.sql(LEADS, {"phones": phones, "d": digits}, as_dict=True)
	found["Customer"] = frappe.db.sql(CUSTOMERS, {"d": digits}, as_dict=True)
	found["Contact"] = frappe.db.sql(CONTACTS, {"d": digits}, as_dict=True)
	return found
