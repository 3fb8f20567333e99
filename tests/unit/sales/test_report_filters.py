"""The shared report filters: parameterised SQL, half-open datetime ranges, and percentages (the records a
user may read, which `criterion` and `where` add, are tested on a site: tests/integration/security)."""

import datetime

from pypika import Table

from crm_suite.sales.report_filters import as_sql, criterion, percent


def test_no_filters_is_always_true():
	w = as_sql(criterion({}, Table("l"), readable=False))
	assert (w.sql, w.params) == ("1 = 1", {})


def test_datetime_range_is_half_open_and_values_are_parameters():
	w = as_sql(
		criterion(
			{
				"from_date": "2026-01-01",
				"to_date": "2026-01-31",
				"owner": "a@b.c",
				"source": "Web",
				"campaign": "X",
			},
			Table("l"),
			readable=False,
		)
	)
	assert "`l`.`creation`>='2026-01-01'" in w.sql and "`l`.`creation`<'2026-02-01'" in w.sql
	assert "`l`.`lead_owner`=%(param1)s" in w.sql and "a@b.c" not in w.sql
	assert w.params == {"param1": "a@b.c", "param2": "Web", "param3": "X"}


def test_date_columns_use_an_inclusive_end():
	w = as_sql(
		criterion(
			{"to_date": "2026-01-31"},
			Table("o"),
			"closed_on",
			"opportunity_owner",
			date_is_datetime=False,
			readable=False,
		)
	)
	assert w.sql == "`o`.`closed_on`<='2026-01-31'"
	assert datetime.date(2026, 1, 31).isoformat() in w.sql


def test_percent():
	assert percent(1, 3) == 33.33
	assert percent(5, 0) == 0.0
