"""Normalising the ways a person can be reached: email addresses and phone numbers.

Duplicate detection, the call webhook and web-to-lead all compare contact details in these forms.
"""

import phonenumbers


def normalise_email(email: str | None) -> str | None:
	"""Trim and lower-case an email address; `None` and blanks stay `None`."""
	if not email:
		return None
	email = email.strip().lower()
	return email or None


def normalise_phone(phone: str | None, default_region: str | None = None) -> str | None:
	"""The E.164 form of a phone number (+4930123456), or `None` when it can't be parsed as a valid number.

	Numbers without a country code are read in `default_region` (an ISO country code such as "DE").
	"""
	if not phone or not phone.strip():
		return None
	try:
		parsed = phonenumbers.parse(phone, (default_region or "").upper() or None)
	except phonenumbers.NumberParseException:
		return None
	if not phonenumbers.is_valid_number(parsed):
		return None
	return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def full_name(*parts: str | None) -> str:
	"""Join the non-empty name parts with single spaces."""
	return " ".join(p.strip() for p in parts if p and p.strip())
