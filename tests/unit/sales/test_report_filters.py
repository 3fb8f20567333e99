"""The shared report filters: parameterised SQL, half-open datetime ranges, and percentages (the records a
user may read, which `where` adds, are tested on a site: tests/integration/security)."""

import datetime

import pytest

from crm_suite.sales.report_filters import filter_condition, percent


def test_no_filters_is_always_true():
	w = filter_condition({}, "l")
	assert (w.sql, w.params) == ("1 = 1", {})


def test_datetime_range_is_half_open_and_values_are_parameters():
	w = filter_condition(
		{
			"from_date": "2026-01-01",
			"to_date": "2026-01-31",
			"owner": "a@b.c",
			"source": "Web",
			"campaign": "X",
		},
		"l",
	)
	assert "l.`creation` >= %(from_date)s" in w.sql and "l.`creation` < %(to_date)s" in w.sql
	assert w.params["to_date"] == datetime.date(2026, 2, 1)
	assert "l.`lead_owner` = %(owner)s" in w.sql and "a@b.c" not in w.sql
	assert (w.params["source"], w.params["campaign"]) == ("Web", "X")


def test_date_columns_use_an_inclusive_end():
	w = filter_condition(
		{"to_date": "2026-01-31"}, "o", "closed_on", "opportunity_owner", date_is_datetime=False
	)
	assert w.sql.endswith("o.`closed_on` <= %(to_date)s")
	assert w.params["to_date"] == datetime.date(2026, 1, 31)


def test_percent():
	assert percent(1, 3) == 33.33
	assert percent(5, 0) == 0.0
