# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.utils import cint, flt

from crm_suite.analytics import basket

ROW_LIMIT = 1000


@frappe.read_only()
def execute(filters=None):
	filters = frappe._dict(filters or {})
	data = basket.stored_rules(
		min_support=filters.get("min_support"),
		min_confidence=filters.get("min_confidence") or 0,
		min_lift=flt(filters.get("min_lift")),
		product=filters.get("product"),
		limit=min(cint(filters.get("limit")) or 200, ROW_LIMIT),
	)
	return columns(), data, None, chart(data)


def columns():
	return [
		{
			"fieldname": "antecedent",
			"label": _("If Bought"),
			"fieldtype": "Link",
			"options": "Product",
			"width": 150,
		},
		{"fieldname": "antecedent_name", "label": _("Product Name"), "fieldtype": "Data", "width": 160},
		{
			"fieldname": "consequent",
			"label": _("Also Bought"),
			"fieldtype": "Link",
			"options": "Product",
			"width": 150,
		},
		{"fieldname": "consequent_name", "label": _("Product Name"), "fieldtype": "Data", "width": 160},
		{"fieldname": "pair_count", "label": _("Baskets With Both"), "fieldtype": "Int", "width": 120},
		{"fieldname": "support", "label": _("Support"), "fieldtype": "Float", "precision": 6, "width": 100},
		{
			"fieldname": "confidence",
			"label": _("Confidence"),
			"fieldtype": "Float",
			"precision": 4,
			"width": 100,
		},
		{"fieldname": "lift", "label": _("Lift"), "fieldtype": "Float", "precision": 3, "width": 90},
		{
			"fieldname": "conviction",
			"label": _("Conviction"),
			"fieldtype": "Float",
			"precision": 3,
			"width": 100,
		},
	]


def chart(data):
	top = data[:10]
	if not top:
		return None
	return {
		"data": {
			"labels": [
				f"{r.antecedent_name or r.antecedent} → {r.consequent_name or r.consequent}" for r in top
			],
			"datasets": [{"name": _("Lift"), "values": [r.lift for r in top]}],
		},
		"type": "bar",
	}
