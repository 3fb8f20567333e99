"""The digit strings an E.164 number is looked up by (crm_suite.sales.contact_lookup.phone_digit_forms)."""

import pytest

from crm_suite.sales.contact_lookup import NOT_DIGITS, phone_digit_forms


@pytest.mark.parametrize(
	"typed, e164",
	[
		("+49 30 5550123", "+49305550123"),
		("030 555-0123", "+49305550123"),
		("0049 30 5550123", "+49305550123"),
		("+49 (0)30 5550123", "+49305550123"),
		("0049 (0)30 5550123", "+49305550123"),
		("011 49 30 5550123", "+49305550123"),
		("8 (495) 123-45-67", "+74951234567"),
		("810 7 495 1234567", "+74951234567"),
		("+7 495 123 45 67", "+74951234567"),
		("06 1 234 5678", "+3612345678"),
		("+36 1 234 5678", "+3612345678"),
		("011 36 1 234 5678", "+3612345678"),
		("1 (212) 555-0123", "+12125550123"),
		("212-555-0123", "+12125550123"),
		("011 44 20 7946 0018", "+442079460018"),
		("06 1234 5678", "+390612345678"),  # Italy keeps its leading 0
	],
)
def test_a_typed_number_is_one_of_its_forms(typed, e164):
	assert NOT_DIGITS.sub("", typed) in phone_digit_forms(e164)


def test_a_single_zero_is_not_read_as_an_exit_code():
	assert "0" + "49305550123" not in phone_digit_forms("+49305550123")
