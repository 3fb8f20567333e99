# Copyright (c) 2026, crm_suite developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.utils import cint, flt

from crm_suite.analytics import basket
from crm_suite.utils.reports import chart, column

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
	return columns(), data, None, lift_chart(data)


def columns():
	return [
		column("antecedent", _("If Bought"), "Link", 150, options="Product"),
		column("antecedent_name", _("Product Name"), "Data", 160),
		column("consequent", _("Also Bought"), "Link", 150, options="Product"),
		column("consequent_name", _("Product Name"), "Data", 160),
		column("pair_count", _("Baskets With Both"), "Int", 120),
		column("support", _("Support"), "Float", 100, precision=6),
		column("confidence", _("Confidence"), "Float", 100, precision=4),
		column("lift", _("Lift"), "Float", 90, precision=3),
		column("conviction", _("Conviction"), "Float", 100, precision=3),
	]


def lift_chart(data):
	top = data[:10]
	if not top:
		return None
	labels = [f"{r.antecedent_name or r.antecedent} → {r.consequent_name or r.consequent}" for r in top]
	return chart(labels, {_("Lift"): [r.lift for r in top]})
