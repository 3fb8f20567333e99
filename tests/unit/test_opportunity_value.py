from crm_suite.sales.opportunity_value import (
	line_amount,
	probability_for_status,
	totals,
	weighted_amount,
)


def test_line_amount_rounds_to_currency_precision():
	assert line_amount(3, 19.999) == 60.0
	assert line_amount(0.5, 10.01) == 5.0  # 5.005 rounds half to even at 2 places
	assert line_amount(None, 10) == 0


def test_totals_sum_quantities_and_rounded_line_amounts():
	result = totals([(2, 10.0), (1.5, 3.333)])
	assert result.total_qty == 3.5
	assert result.amount == 25.0


def test_totals_of_no_lines_are_zero():
	result = totals([])
	assert (result.total_qty, result.amount) == (0, 0)


def test_weighted_amount_is_amount_times_probability():
	assert weighted_amount(12_500, 40) == 5000.0
	assert weighted_amount(999.99, 33) == 330.0
	assert weighted_amount(None, 50) == 0


def test_won_is_certain_lost_is_zero_open_keeps_its_probability():
	assert probability_for_status("Won", 35) == 100
	assert probability_for_status("Lost", 35) == 0
	assert probability_for_status("Open", 35) == 35
