# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.utils import cint

from crm_suite.analytics import cohorts
from crm_suite.utils.reports import column

CHART_COHORTS = 6


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	months = filters.months if filters.months not in (None, "") else 12
	months = cohorts.validate_filters(filters.from_date, filters.to_date, cint(months))
	data = cohorts.cohort_matrix(filters.from_date, filters.to_date, months)
	columns = [
		column("cohort", _("First Order Month"), "Data", 130),
		column("customers", _("Customers"), "Int", 100),
		*(column(f"month_{m}", _("Month {0}").format(m), "Percent", 90) for m in range(months + 1)),
	]
	return columns, data, None, chart(data, months), summary()


def chart(data: list[dict], months: int) -> dict | None:
	"""Retention curves of the latest cohorts (month 1 onwards: month 0 is always 100%)."""
	recent = data[-CHART_COHORTS:]
	if not recent:
		return None
	return {
		"data": {
			"labels": [_("Month {0}").format(m) for m in range(1, months + 1)],
			"datasets": [
				{"name": row["cohort"], "values": [row.get(f"month_{m}", 0) for m in range(1, months + 1)]}
				for row in recent
			],
		},
		"type": "line",
		"axisOptions": {"xIsSeries": 1},
		"fieldtype": "Percent",
	}


def summary() -> list[dict]:
	return [
		{
			"label": _("Repeat-Purchase Rate"),
			"value": cohorts.repeat_purchase_rate(),
			"datatype": "Percent",
			"indicator": "Blue",
		}
	]
