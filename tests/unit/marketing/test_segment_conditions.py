"""Pure logic: segment condition rows → Frappe filters, outreach keys and due dates."""

import datetime

import pytest

from crm_suite.marketing.outreach import step_due_date
from crm_suite.marketing.segments import SegmentConditionError, condition_to_filter, conditions_to_filters


def test_plain_operators_pass_through():
	assert condition_to_filter("Customer", " rfm_segment ", "=", " Champions ") == [
		"Customer",
		"rfm_segment",
		"=",
		"Champions",
	]
	assert condition_to_filter("Lead", "creation", ">=", "2026-01-01") == [
		"Lead",
		"creation",
		">=",
		"2026-01-01",
	]


def test_in_splits_commas_and_drops_blanks():
	assert condition_to_filter("Customer", "territory", "in", "Europe, Asia Pacific,,") == [
		"Customer",
		"territory",
		"in",
		["Europe", "Asia Pacific"],
	]


@pytest.mark.parametrize("value, expected", [("set", "set"), ("NOT SET", "not set")])
def test_is_accepts_set_and_not_set(value, expected):
	assert condition_to_filter("Customer", "email_id", "is", value)[3] == expected


@pytest.mark.parametrize(
	"fieldname, operator, value",
	[
		("", "=", "x"),
		("a", "between", "1"),
		("a", "in", " , "),
		("a", "is", "maybe"),
		("a", "drop table", ""),
	],
)
def test_bad_conditions_raise(fieldname, operator, value):
	with pytest.raises(SegmentConditionError):
		condition_to_filter("Customer", fieldname, operator, value)


def test_rows_become_a_filter_list():
	rows = [
		{"fieldname": "customer_group", "operator": "!=", "value": "Individual"},
		{"fieldname": "phone", "operator": "is", "value": "set"},
	]
	assert conditions_to_filters("Customer", rows) == [
		["Customer", "customer_group", "!=", "Individual"],
		["Customer", "phone", "is", "set"],
	]


def test_step_due_date_adds_the_offset():
	assert step_due_date("2026-11-20", 3) == datetime.date(2026, 11, 23)
	assert step_due_date(datetime.date(2026, 12, 31), 0) == datetime.date(2026, 12, 31)


def test_cost_per_lead_and_roi():
	from crm_suite.marketing.effectiveness import cost_per_lead, roi_percent

	assert cost_per_lead(1000, 4) == 250
	assert cost_per_lead(1000, 0) is None
	assert roi_percent(3000, 1000) == 200
	assert roi_percent(500, 1000) == -50
	assert roi_percent(500, 0) is None
