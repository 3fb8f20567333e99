"""The exchange-rate rules of crm_suite/crm/money.py (no site needed)."""

from datetime import date

import pytest

from crm_suite.crm.money import convert, pick_rate, rate_on

RATES = [(date(2026, 1, 1), 0.9), (date(2026, 3, 1), 0.8), (date(2026, 2, 1), 0.85)]


@pytest.mark.parametrize(
	("on", "expected"),
	[
		(date(2025, 12, 31), None),  # before the first rate: none, never a guess
		(date(2026, 1, 1), 0.9),  # a rate is valid from its own date
		(date(2026, 1, 31), 0.9),
		(date(2026, 2, 1), 0.85),  # unordered input: the latest on or before wins
		(date(2026, 2, 28), 0.85),
		(date(2027, 6, 1), 0.8),
	],
)
def test_rate_on_takes_the_latest_rate_on_or_before_the_day(on, expected):
	assert rate_on(RATES, on) == expected


def test_rate_on_without_rates():
	assert rate_on([], date(2026, 1, 1)) is None


def test_pick_rate_prefers_the_direct_pair_then_inverts_the_other_way_round():
	assert pick_rate(0.5, 4.0) == 0.5
	assert pick_rate(None, 4.0) == 0.25
	assert pick_rate(None, 1.95583) == 0.511291881  # 9 decimals, as stored
	assert pick_rate(None, None) is None


@pytest.mark.parametrize(
	("amount", "rate", "expected"),
	[(100, 0.8, 80.0), (None, 0.8, 0.0), (-40, 0.5, -20.0), (1000, 0.511291881, 511.29)],
)
def test_convert(amount, rate, expected):
	assert convert(amount, rate) == expected
