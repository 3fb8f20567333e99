# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _

from crm_suite.crm import money
from crm_suite.marketing.effectiveness import get_rows, roi_percent
from crm_suite.utils.reports import chart, column


@frappe.read_only()
def execute(filters: dict | None = None):
	rows = get_rows(filters or {})
	for row in rows:  # Select values, stored in English: shown in the reader's language
		for field in ("channel", "status"):
			if row.get(field):
				row[field] = _(row[field])
	return money.in_reporting_currency(
		(columns(), rows, None, revenue_chart(rows), summary(rows)), "Opportunity", "Campaign"
	)


def columns() -> list[dict]:
	return [
		column("campaign", _("Campaign"), "Link", 200, options="Campaign"),
		column("channel", _("Channel"), "Data", 90),
		column("status", _("Status"), "Data", 90),
		column("leads", _("Leads"), "Int", 80),
		column("opportunities", _("Opportunities"), "Int", 110),
		column("won", _("Won"), "Int", 70),
		column("won_revenue", _("Won Revenue"), "Currency", 130),
		column("cost", _("Cost"), "Currency", 110),
		column("cost_per_lead", _("Cost per Lead"), "Currency", 120),
		column("roi", _("ROI %"), "Percent", 90),
	]


def revenue_chart(rows: list[dict]) -> dict | None:
	top = [r for r in rows if r.leads or r.won_revenue or r.cost][:15]
	if not top:
		return None
	return chart(
		[r.campaign_name or r.campaign for r in top],
		{_("Won Revenue"): [r.won_revenue for r in top], _("Cost"): [r.cost for r in top]},
		fieldtype="Currency",
	)


def summary(rows: list[dict]) -> list[dict]:
	leads = sum(r.leads for r in rows)
	revenue = sum(r.won_revenue for r in rows)
	cost = sum(r.cost for r in rows)
	roi = roi_percent(revenue, cost)
	return [
		{"label": _("Leads"), "value": leads, "datatype": "Int", "indicator": "Blue"},
		{"label": _("Won Revenue"), "value": revenue, "datatype": "Currency", "indicator": "Green"},
		{"label": _("Cost"), "value": cost, "datatype": "Currency", "indicator": "Orange"},
		{
			"label": _("ROI %"),
			"value": roi or 0,
			"datatype": "Percent",
			"indicator": "Green" if (roi or 0) >= 0 else "Red",
		},
	]
