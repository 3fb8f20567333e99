# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt
"""Pipeline Forecast: open opportunities' amount and weighted amount (amount × probability) by expected
close month and owner. One GROUP BY."""

import frappe
from frappe import _

from crm_suite.crm import money
from crm_suite.sales.report_filters import where


@frappe.read_only()
def execute(filters=None):
	rows = data(filters or {})
	return money.in_reporting_currency((columns(), rows, None, chart(rows)), "Opportunity")


def columns():
	return [
		{"fieldname": "month", "label": _("Expected Close Month"), "fieldtype": "Data", "width": 170},
		{"fieldname": "owner", "label": _("Owner"), "fieldtype": "Link", "options": "User", "width": 220},
		{"fieldname": "opportunities", "label": _("Opportunities"), "fieldtype": "Int", "width": 120},
		{"fieldname": "amount", "label": _("Amount"), "fieldtype": "Currency", "width": 150},
		{
			"fieldname": "weighted_amount",
			"label": _("Weighted Amount"),
			"fieldtype": "Currency",
			"width": 160,
		},
	]


def data(filters: dict) -> list[dict]:
	w = where(filters, "o", "expected_close_date", "opportunity_owner", date_is_datetime=False)
	rows = frappe.db.sql(
		f"""select ifnull(date_format(o.expected_close_date, '%%Y-%%m'), '') as month,
			ifnull(o.opportunity_owner, '') as owner, count(*) as opportunities,
			sum(o.base_amount) as amount, sum(o.base_weighted_amount) as weighted_amount
		from `tabOpportunity` o where o.status = 'Open' and {w.sql}
		group by month, owner order by month = '', month, owner""",
		w.params,
		as_dict=True,
	)
	for r in rows:
		r.month = r.month or _("Not Set")
	return rows


def chart(rows):
	months: dict[str, float] = {}
	for r in rows:
		months[r.month] = months.get(r.month, 0) + (r.weighted_amount or 0)
	return {
		"data": {
			"labels": list(months),
			"datasets": [{"name": _("Weighted Amount"), "values": list(months.values())}],
		},
		"type": "bar",
		"fieldtype": "Currency",
	}
