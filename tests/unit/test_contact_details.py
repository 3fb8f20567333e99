from crm_suite.utils.contact_details import full_name, normalise_email, normalise_phone


def test_email_is_trimmed_and_lower_cased():
	assert normalise_email("  Ada.Lovelace@Example.COM ") == "ada.lovelace@example.com"


def test_blank_email_is_none():
	assert normalise_email("   ") is None
	assert normalise_email(None) is None


def test_phone_with_country_code_becomes_e164():
	assert normalise_phone("+49 30 901820") == "+4930901820"


def test_national_phone_is_read_in_the_default_region():
	assert normalise_phone("(202) 456-1111", "us") == "+12024561111"
	assert normalise_phone("030 901820", "DE") == "+4930901820"


def test_unparseable_or_invalid_phone_is_none():
	assert normalise_phone("call me maybe") is None
	assert normalise_phone("+1 555") is None
	assert normalise_phone("030 901820") is None  # no country code and no region


def test_full_name_skips_blanks():
	assert full_name(" Ada ", None, "", "Lovelace") == "Ada Lovelace"
	assert full_name(None, "  ") == ""
