"""Sales Order arithmetic and the association-rule measures, without a site."""

import pytest

from crm_suite.analytics import basket, orders


def test_line_amounts_and_totals_round_per_line():
	assert orders.line_amount(0.333, 3) == 1.0
	assert orders.line_amount(None, 5) == 0
	t = orders.order_totals([(2, 10.0), (1, 2.5)])
	assert (t.total_qty, t.grand_total) == (3, 22.5)


@pytest.mark.parametrize(
	"qty,is_return,expected", [(2, False, 2), (2, True, -2), (-2, True, -2), (0, True, 0)]
)
def test_returns_carry_negative_quantities(qty, is_return, expected):
	assert orders.signed_qty(qty, is_return) == expected


def test_return_totals_are_negative():
	lines = [(orders.signed_qty(q, True), r) for q, r in [(2, 10.0), (1, 5.0)]]
	assert orders.order_totals(lines).grand_total == -25.0


def test_rule_measures_by_hand():
	# 10 baskets; A in 4, B in 5, both in 2.
	m = basket.rule_measures(n_ab=2, n_a=4, n_b=5, n=10)
	assert m["support"] == pytest.approx(0.2)
	assert m["confidence"] == pytest.approx(0.5)
	assert m["lift"] == pytest.approx(1.0)
	assert m["conviction"] == pytest.approx((1 - 0.5) / (1 - 0.5))


def test_rule_with_confidence_one_has_infinite_conviction_stored_as_zero():
	assert basket.rule_measures(n_ab=3, n_a=3, n_b=5, n=10)["conviction"] == 0.0


@pytest.mark.parametrize(
	"support,baskets,count", [(0.1, 10, 1), (0.25, 10, 3), (0.3, 10, 3), (0.0001, 5, 1), (1, 7, 7)]
)
def test_min_pair_count(support, baskets, count):
	assert basket.min_pair_count(support, baskets) == count
