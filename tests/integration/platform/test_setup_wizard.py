"""`crm-suite demo --locale it` finishes Frappe's setup wizard for Italy (crm_suite.setup.install): the site's
time zone is Europe/Rome (not Frappe's fallback Asia/Kolkata, nor the US one), its language Italian, its
country Italy with its date and number formats, and the standard users' time zone Rome.

The wizard commits; the test puts System Settings, the site defaults and the standard users' time zones
back as they were."""

import frappe
import pytest

from crm_suite.setup.install import complete_setup_wizard, setup_wizard_args


@pytest.fixture
def wizard_not_done():
	"""This site as a new one whose wizard is not done; restored exactly afterwards."""
	singles = frappe.db.sql("select field, value from tabSingles where doctype = 'System Settings'")
	defaults = frappe.db.sql("select * from tabDefaultValue where parent = '__default'", as_dict=True)
	zones = {u: frappe.db.get_value("User", u, "time_zone") for u in frappe.STANDARD_USERS}
	frappe.db.set_single_value("System Settings", "setup_complete", 0)
	frappe.db.commit()
	yield
	frappe.db.rollback()
	# restore: the rows as they were (raw SQL: a snapshot put back verbatim)
	frappe.db.sql("delete from tabSingles where doctype = 'System Settings'")
	for field, value in singles:
		frappe.db.sql(
			"insert into tabSingles (doctype, field, value) values ('System Settings', %s, %s)",
			(field, value),
		)
	frappe.db.sql("delete from tabDefaultValue where parent = '__default'")
	for row in defaults:
		columns = list(row)
		frappe.db.sql(
			f"insert into tabDefaultValue ({', '.join(f'`{c}`' for c in columns)}) "
			f"values ({', '.join(['%s'] * len(columns))})",
			[row[c] for c in columns],
		)
	for user, zone in zones.items():
		frappe.db.set_value("User", user, "time_zone", zone, update_modified=False)
	frappe.db.commit()
	frappe.clear_cache()
	frappe.local.lang = "en"
	assert frappe.db.sql("select field, value from tabSingles where doctype = 'System Settings'") == singles


def test_an_italian_demo_finishes_the_wizard_in_rome(wizard_not_done):
	assert complete_setup_wizard(**setup_wizard_args("it")) is True
	settings = frappe.get_doc("System Settings")
	assert (settings.time_zone, settings.country, settings.language) == ("Europe/Rome", "Italy", "it")
	assert (settings.date_format, settings.number_format) == ("dd/mm/yyyy", "#.###,##")
	assert settings.setup_complete
	assert frappe.db.get_default("lang") == "it"
	assert frappe.utils.get_system_timezone() == "Europe/Rome"
	assert frappe.db.get_value("User", "Administrator", "time_zone") == "Europe/Rome"
	assert complete_setup_wizard(**setup_wizard_args("bs")) is False, "once"


def test_a_bosnian_demo_finishes_the_wizard_in_sarajevo(wizard_not_done):
	assert complete_setup_wizard(**setup_wizard_args("bs")) is True
	settings = frappe.get_doc("System Settings")
	assert (settings.time_zone, settings.country, settings.language) == (
		"Europe/Sarajevo",
		"Bosnia and Herzegovina",
		"bs",
	)


def test_an_unknown_language_is_refused_before_the_wizard():
	"""`--language xx` made Frappe's wizard set the site's default language None."""
	with pytest.raises(ValueError, match="Unknown language: xx"):
		setup_wizard_args("it", language="xx")
	assert setup_wizard_args("it", language="Italiano")["language"] == "Italiano"


def test_an_unknown_country_or_time_zone_is_refused_in_the_language_of_the_caller():
	"""`--country` and `--time-zone` errors go through _() (they were f-strings, English whatever the
	language): in Italian for an Italian caller, with the bad value in them."""
	frappe.local.lang = "it"
	try:
		with pytest.raises(ValueError, match="Paese sconosciuto: Atlantide"):
			setup_wizard_args("it", country="Atlantide")
		with pytest.raises(ValueError, match="Fuso orario sconosciuto: Europe/Atlantide"):
			setup_wizard_args("it", time_zone="Europe/Atlantide")
		with pytest.raises(ValueError, match="Lingua sconosciuta: xx"):
			setup_wizard_args("it", language="xx")
	finally:
		frappe.local.lang = "en"
