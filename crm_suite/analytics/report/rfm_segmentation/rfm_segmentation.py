# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _

from crm_suite.analytics import segment_summary
from crm_suite.crm import money


@frappe.read_only()
def execute(filters=None):
	"""Without a segment filter: one row per segment with a chart; with one: that segment's customers."""
	filters = frappe._dict(filters or {})
	if filters.segment:
		data = segment_summary.customer_rows(filters)
		message = None
		if len(data) == segment_summary.DRILL_DOWN_LIMIT:
			message = _(
				"Showing the {0} customers with the highest monetary value; the Customer list filtered on RFM Segment shows all."
			).format(segment_summary.DRILL_DOWN_LIMIT)
		return money.in_reporting_currency((customer_columns(), data, message), "Sales Order")
	data = segment_summary.segment_rows(filters)
	return money.in_reporting_currency((segment_columns(), data, None, chart(data)), "Sales Order")


def segment_columns():
	return [
		{"fieldname": "segment", "label": _("Segment"), "fieldtype": "Data", "width": 160},
		{"fieldname": "customers", "label": _("Customers"), "fieldtype": "Int", "width": 100},
		{"fieldname": "customer_share", "label": _("% of Customers"), "fieldtype": "Percent", "width": 110},
		{"fieldname": "revenue", "label": _("Revenue in Window"), "fieldtype": "Currency", "width": 140},
		{"fieldname": "revenue_share", "label": _("% of Revenue"), "fieldtype": "Percent", "width": 110},
		{
			"fieldname": "avg_recency",
			"label": _("Avg Recency (Days)"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 130,
		},
		{
			"fieldname": "avg_frequency",
			"label": _("Avg Frequency"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 110,
		},
		{"fieldname": "avg_monetary", "label": _("Avg Monetary"), "fieldtype": "Currency", "width": 120},
		{"fieldname": "churn_risk", "label": _("At Churn Risk"), "fieldtype": "Int", "width": 110},
		{"fieldname": "avg_clv", "label": _("Avg CLV Estimate"), "fieldtype": "Currency", "width": 130},
	]


def customer_columns():
	return [
		{
			"fieldname": "customer",
			"label": _("Customer"),
			"fieldtype": "Link",
			"options": "Customer",
			"width": 160,
		},
		{"fieldname": "customer_name", "label": _("Customer Name"), "fieldtype": "Data", "width": 180},
		{"fieldname": "segment", "label": _("Segment"), "fieldtype": "Data", "width": 140},
		{"fieldname": "r_score", "label": _("R"), "fieldtype": "Int", "width": 50},
		{"fieldname": "f_score", "label": _("F"), "fieldtype": "Int", "width": 50},
		{"fieldname": "m_score", "label": _("M"), "fieldtype": "Int", "width": 50},
		{"fieldname": "recency_days", "label": _("Recency (Days)"), "fieldtype": "Int", "width": 110},
		{"fieldname": "frequency", "label": _("Frequency"), "fieldtype": "Int", "width": 90},
		{"fieldname": "monetary", "label": _("Monetary"), "fieldtype": "Currency", "width": 120},
		{"fieldname": "loyalty_tier", "label": _("Loyalty Tier"), "fieldtype": "Data", "width": 100},
		{"fieldname": "churn_risk", "label": _("Churn Risk"), "fieldtype": "Check", "width": 90},
		{"fieldname": "clv_estimate", "label": _("CLV Estimate"), "fieldtype": "Currency", "width": 120},
	]


def chart(data):
	if not data:
		return None
	return {
		"data": {
			"labels": [_(r.segment) for r in data],
			"datasets": [
				{"name": _("% of Customers"), "values": [r.customer_share for r in data]},
				{"name": _("% of Revenue"), "values": [r.revenue_share for r in data]},
			],
		},
		"type": "bar",
		"fieldtype": "Percent",
		"colors": ["#5e64ff", "#29cd42"],
	}
