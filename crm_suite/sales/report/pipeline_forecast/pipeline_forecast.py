# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt
"""Pipeline Forecast: open opportunities' amount and weighted amount (amount × probability) by expected
close month and owner. One GROUP BY."""

import frappe
from frappe import _
from frappe.query_builder.functions import Count, DateFormat, IfNull, Sum

from crm_suite.crm import money
from crm_suite.sales.report_filters import criterion
from crm_suite.utils.reports import chart, column


@frappe.read_only()
def execute(filters=None):
	rows = data(filters or {})
	months: dict[str, float] = {}
	for r in rows:
		months[r.month] = months.get(r.month, 0) + (r.weighted_amount or 0)
	result = chart(list(months), {_("Weighted Amount"): list(months.values())}, fieldtype="Currency")
	return money.in_reporting_currency((columns(), rows, None, result), "Opportunity")


def columns():
	return [
		column("month", _("Expected Close Month"), "Data", 170),
		column("owner", _("Owner"), "Link", 220, options="User"),
		column("opportunities", _("Opportunities"), "Int", 120),
		column("amount", _("Amount"), "Currency", 150),
		column("weighted_amount", _("Weighted Amount"), "Currency", 160),
	]


def data(filters: dict) -> list[dict]:
	opp = frappe.qb.DocType("Opportunity")
	month = IfNull(DateFormat(opp.expected_close_date, "%Y-%m"), "")
	owner = IfNull(opp.opportunity_owner, "")
	chosen = criterion(filters, opp, "expected_close_date", "opportunity_owner", date_is_datetime=False)
	rows = (
		frappe.qb.from_(opp)
		.select(
			month.as_("month"),
			owner.as_("owner"),
			Count("*").as_("opportunities"),
			Sum(opp.base_amount).as_("amount"),
			Sum(opp.base_weighted_amount).as_("weighted_amount"),
		)
		.where((opp.status == "Open") & chosen)
		.groupby(month, owner)
		.orderby(month == "")
		.orderby(month)
		.orderby(owner)
		.run(as_dict=True)
	)
	for r in rows:
		r.month = r.month or _("Not Set")
	return rows
