"""What a new site needs before anyone can work: the default masters a CRM starts with.

Each record is created only when missing, so re-running (or a later patch calling it) changes nothing.
"""

import frappe
from frappe import _

# The lead sources a site starts with and what each adds to a lead's rule score (Lead Source.score_points).
LEAD_SOURCE_POINTS = {
	"Website": 15,
	"Referral": 20,
	"Cold Call": 5,
	"Email Campaign": 10,
	"Trade Show": 15,
	"Social Media": 8,
	"Advertisement": 8,
	"Partner": 20,
}

DEFAULT_MASTERS: dict[str, tuple[str, list[dict]]] = {
	"Customer Group": (
		"customer_group_name",
		[{"customer_group_name": n} for n in ("Commercial", "Individual", "Government", "Non Profit")],
	),
	"Territory": (
		"territory_name",
		[{"territory_name": n} for n in ("North America", "Europe", "Asia Pacific", "Rest of World")],
	),
	"Industry": (
		"industry",
		[
			{"industry": n}
			for n in (
				"Manufacturing",
				"Retail",
				"Software",
				"Financial Services",
				"Healthcare",
				"Education",
				"Logistics",
				"Hospitality",
			)
		],
	),
	"Lead Source": (
		"source_name",
		[{"source_name": n, "score_points": points} for n, points in LEAD_SOURCE_POINTS.items()],
	),
	"Sales Stage": (
		"stage_name",
		[
			{"stage_name": "Prospecting", "stage_order": 1, "default_probability": 10},
			{"stage_name": "Qualification", "stage_order": 2, "default_probability": 20},
			{"stage_name": "Needs Analysis", "stage_order": 3, "default_probability": 40},
			{"stage_name": "Proposal", "stage_order": 4, "default_probability": 60},
			{"stage_name": "Negotiation", "stage_order": 5, "default_probability": 80},
		],
	),
	"Lost Reason": (
		"lost_reason",
		[
			{"lost_reason": n}
			for n in ("Price", "Competitor", "No Budget", "No Decision", "Timing", "Product Fit")
		],
	),
	"Ticket Type": (
		"ticket_type",
		[{"ticket_type": n} for n in ("Question", "Incident", "Problem", "Feature Request")],
	),
}


# Settings whose defaults are links to the masters above: set after the masters exist (Frappe initialises
# singles before after_install runs, so a DocField default would point at a missing record).
DEFAULT_SETTINGS: dict[str, dict[str, str]] = {
	"Contact Center Settings": {"unknown_caller_lead_source": "Cold Call", "web_lead_source": "Website"},
}


def after_install() -> None:
	from crm_suite.setup import indexes
	from crm_suite.utils.i18n import compile_catalogues

	# The app's DocTypes get their indexes in on_doctype_update; the one on Frappe's Contact Email
	# (crm_contact_email_id) has no such hook of ours, so a new site gets it here (and after every migrate).
	indexes.apply()
	create_default_masters()
	ensure_default_address_template()
	apply_default_settings()
	ensure_default_currency()
	compile_catalogues()  # the app's Italian and Bosnian messages, without waiting for a bench build
	from crm_suite.setup import import_permissions

	import_permissions.grant()  # Data Import, Contact and Address for the importing roles (also after migrate)


def ensure_default_currency() -> None:
	"""Money fields and reports format in the site's default currency; a bare Frappe site has none (ERPNext's
	Company sets it), so take the currency of the site's country, else USD. An existing default is kept."""
	from frappe.geo.country_info import get_country_info

	if frappe.db.get_default("currency"):
		return
	country = frappe.db.get_default("country")
	currency = (get_country_info(country) or {}).get("currency") if country else None
	frappe.db.set_default(
		"currency", currency if currency and frappe.db.exists("Currency", currency) else "USD"
	)


def apply_default_settings() -> None:
	for doctype, values in DEFAULT_SETTINGS.items():
		for field, value in values.items():
			if not frappe.db.get_single_value(doctype, field):
				frappe.db.set_single_value(doctype, field, value)


def ensure_default_address_template() -> None:
	"""Customer forms render their addresses, which needs a default Address Template (ERPNext's setup
	makes one; a bare Frappe site has none)."""
	from frappe.contacts.doctype.address_template.address_template import get_default_address_template

	if frappe.db.exists("Address Template", {"is_default": 1}):
		return
	country = frappe.db.get_default("country") or "United States"
	if not frappe.db.exists("Address Template", country):
		frappe.get_doc(
			{
				"doctype": "Address Template",
				"country": country,
				"is_default": 1,
				"template": get_default_address_template(),
			}
		).insert(ignore_permissions=True)


def create_default_masters() -> None:
	for doctype, (key, records) in DEFAULT_MASTERS.items():
		for record in records:
			if not frappe.db.exists(doctype, record[key]):
				frappe.get_doc({"doctype": doctype, **record}).insert(ignore_permissions=True)


# The demo's --locale: the country and language (Frappe Language code) of its setup wizard
LOCALE_SETUP = {
	"en": ("United States", "en"),
	"it": ("Italy", "it"),
	"bs": ("Bosnia and Herzegovina", "bs"),
}
# A country with several time zones: the one the demo takes (else the first Frappe lists for the country)
MAIN_TIME_ZONE = {"United States": "America/New_York"}


def setup_wizard_args(
	locale: str = "en", country: str | None = None, language: str | None = None, time_zone: str | None = None
) -> dict:
	"""What the setup wizard's last step gets for a demo in `locale`: the locale's country and language
	unless given, and the country's time zone (unless given) and currency from Frappe's country list
	(Italy: Europe/Rome, EUR; Bosnia and Herzegovina: Europe/Sarajevo, BAM). Raises ValueError for a
	country Frappe does not know, a time zone that does not exist or a language not in Frappe's Language
	list (else Frappe's wizard sets the site's language None). Needs the site's database."""
	from zoneinfo import available_timezones

	from frappe.geo.country_info import get_country_info

	default_country, default_language = LOCALE_SETUP[locale]
	country = country or default_country
	info = get_country_info(country)
	zones = info.get("timezones") or []
	if not zones:
		raise ValueError(
			_("Unknown country: {0} (give a country of Frappe's Country list, such as Italy)").format(country)
		)
	time_zone = time_zone or MAIN_TIME_ZONE.get(country) or zones[0]
	if time_zone not in available_timezones():
		raise ValueError(
			_("Unknown time zone: {0} (give an IANA time zone, such as Europe/Rome)").format(time_zone)
		)
	language = language or default_language
	if not frappe.db.exists("Language", language) and not frappe.db.exists(
		"Language", {"language_name": language}
	):
		raise ValueError(
			_(
				"Unknown language: {0} (give a code or name of Frappe's Language list, such as it or Italiano)"
			).format(language)
		)
	return {
		"country": country,
		"timezone": time_zone,
		"currency": info.get("currency") or "USD",
		"language": language,
	}


def complete_setup_wizard(
	country: str = "United States",
	timezone: str = "America/New_York",
	currency: str = "USD",
	language: str = "en",
) -> bool:
	"""Finish Frappe's setup wizard the way its last step does (`setup_complete`: System Settings' country,
	language, time zone, date and number formats, the standard users' time zone, then setup_complete), so
	the desk opens on the workspaces instead of the wizard. A default currency the install set is kept
	(amounts are stored converted into it; CRM Settings' Reporting Currency changes it and re-converts).
	`language` is a Language code (`it`) or name (`Italiano`). Returns False when the wizard was already
	done. Commits."""
	from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

	if frappe.db.get_single_value("System Settings", "setup_complete"):
		return False
	name = frappe.db.get_value("Language", language, "language_name") or language
	setup_complete(
		{"country": country, "timezone": timezone, "currency": currency, "language": name, "lang": name}
	)
	if not frappe.db.get_default("currency"):
		frappe.db.set_default("currency", currency)
	frappe.db.commit()
	return True


def set_crm_home(users: list[str] | None = None) -> None:
	"""Open the desk on the CRM workspace (User.default_workspace) for Administrator and the demo users,
	where they have no other default yet."""
	from crm_suite.setup.demo import DEMO_USERS

	users = users or ["Administrator", *(u for emails in DEMO_USERS.values() for u in emails)]
	if not frappe.db.exists("Workspace", "CRM"):
		return
	for user in users:
		if frappe.db.exists("User", user) and not frappe.db.get_value("User", user, "default_workspace"):
			frappe.db.set_value("User", user, "default_workspace", "CRM", update_modified=False)
	frappe.db.commit()
