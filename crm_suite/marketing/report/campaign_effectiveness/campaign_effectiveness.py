# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _

from crm_suite.crm import money
from crm_suite.marketing.effectiveness import get_rows, roi_percent


@frappe.read_only()
def execute(filters: dict | None = None):
	rows = get_rows(filters or {})
	for row in rows:  # Select values, stored in English: shown in the reader's language
		for field in ("channel", "status"):
			if row.get(field):
				row[field] = _(row[field])
	return money.in_reporting_currency(
		(columns(), rows, None, chart(rows), summary(rows)), "Opportunity", "Campaign"
	)


def columns() -> list[dict]:
	return [
		{
			"fieldname": "campaign",
			"label": _("Campaign"),
			"fieldtype": "Link",
			"options": "Campaign",
			"width": 200,
		},
		{"fieldname": "channel", "label": _("Channel"), "fieldtype": "Data", "width": 90},
		{"fieldname": "status", "label": _("Status"), "fieldtype": "Data", "width": 90},
		{"fieldname": "leads", "label": _("Leads"), "fieldtype": "Int", "width": 80},
		{"fieldname": "opportunities", "label": _("Opportunities"), "fieldtype": "Int", "width": 110},
		{"fieldname": "won", "label": _("Won"), "fieldtype": "Int", "width": 70},
		{"fieldname": "won_revenue", "label": _("Won Revenue"), "fieldtype": "Currency", "width": 130},
		{"fieldname": "cost", "label": _("Cost"), "fieldtype": "Currency", "width": 110},
		{"fieldname": "cost_per_lead", "label": _("Cost per Lead"), "fieldtype": "Currency", "width": 120},
		{"fieldname": "roi", "label": _("ROI %"), "fieldtype": "Percent", "width": 90},
	]


def chart(rows: list[dict]) -> dict | None:
	top = [r for r in rows if r.leads or r.won_revenue or r.cost][:15]
	if not top:
		return None
	return {
		"data": {
			"labels": [r.campaign_name or r.campaign for r in top],
			"datasets": [
				{"name": _("Won Revenue"), "values": [r.won_revenue for r in top]},
				{"name": _("Cost"), "values": [r.cost for r in top]},
			],
		},
		"type": "bar",
		"fieldtype": "Currency",
	}


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
