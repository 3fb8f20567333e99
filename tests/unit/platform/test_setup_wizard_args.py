"""What `crm-suite demo` gives Frappe's setup wizard (crm_suite.setup.install.setup_wizard_args): the
locale's country and language, the country's time zone and currency, or what the flags say."""

import pytest

from crm_suite.setup.install import setup_wizard_args


@pytest.mark.parametrize(
	("locale", "country", "time_zone", "currency"),
	[
		("it", "Italy", "Europe/Rome", "EUR"),
		("bs", "Bosnia and Herzegovina", "Europe/Sarajevo", "BAM"),
		("en", "United States", "America/New_York", "USD"),
	],
)
def test_the_locale_gives_its_country_language_and_time_zone(locale, country, time_zone, currency):
	assert setup_wizard_args(locale) == {
		"country": country,
		"timezone": time_zone,
		"currency": currency,
		"language": locale,
	}


def test_the_flags_win_and_the_time_zone_follows_the_country():
	assert setup_wizard_args("en", country="Italy", language="it") == {
		"country": "Italy",
		"timezone": "Europe/Rome",
		"currency": "EUR",
		"language": "it",
	}
	assert setup_wizard_args("it", time_zone="Europe/Sarajevo")["timezone"] == "Europe/Sarajevo"
	assert setup_wizard_args("bs", country="Croatia")["timezone"] == "Europe/Zagreb"


def test_an_unknown_country_or_time_zone_is_refused():
	with pytest.raises(ValueError, match="Unknown country"):
		setup_wizard_args("it", country="Italia")
	with pytest.raises(ValueError, match="Unknown time zone"):
		setup_wizard_args("it", time_zone="Europe/Milan")
