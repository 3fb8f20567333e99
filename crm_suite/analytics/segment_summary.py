"""What the RFM Segmentation report shows: per segment counts and revenue, or one segment's customers.
Reads the scores the nightly job wrote on Customer; one grouping query."""

from __future__ import annotations

import frappe
from frappe import _

from crm_suite.analytics.rfm import SEGMENTS

DRILL_DOWN_LIMIT = 5000


def _filters(filters) -> list[list]:
	"""The report's filters as `frappe.get_list` filters on Customer (scored customers only)."""
	conditions = [["rfm_segment", "is", "set"]]
	for field in ("customer_group", "territory", "loyalty_tier"):
		if filters.get(field):
			conditions.append([field, "=", filters.get(field)])
	if filters.get("segment"):
		if filters.get("segment") not in SEGMENTS:
			frappe.throw(
				_("Unknown RFM segment {0}.").format(filters.get("segment")), title=_("Invalid Segment")
			)
		conditions.append(["rfm_segment", "=", filters.get("segment")])
	return conditions


def segment_rows(filters) -> list[dict]:
	# Frappe's own list query of Customer, grouped: the user's record rules (role permissions, User
	# Permissions, permission query conditions, shares) are conditions on the very rows counted, so a
	# restricted user's statement is one scan of Customer like an unrestricted one's (no join back to
	# Customer, no IN subquery). docs/analytics.md: why no covering index.
	rows = frappe.get_list(
		"Customer",
		fields=[
			"rfm_segment as segment",
			"count(*) as customers",
			"sum(monetary) as revenue",
			"avg(recency_days) as avg_recency",
			"avg(frequency) as avg_frequency",
			"avg(monetary) as avg_monetary",
			"sum(churn_risk) as churn_risk",
			"avg(clv_estimate) as avg_clv",
		],
		filters=_filters(filters),
		group_by="`tabCustomer`.`rfm_segment`",
		order_by="",
		limit_page_length=0,
	)
	total_customers = sum(r.customers for r in rows) or 1
	total_revenue = sum(max(r.revenue or 0, 0) for r in rows) or 1
	order = {s: i for i, s in enumerate(SEGMENTS)}
	for r in rows:
		r.customer_share = round(100.0 * r.customers / total_customers, 2)
		r.revenue_share = round(100.0 * max(r.revenue or 0, 0) / total_revenue, 2)
	return sorted(rows, key=lambda r: order.get(r.segment, 99))


def customer_rows(filters) -> list[dict]:
	"""The segment's customers the user may read (Frappe's list query), highest monetary value first."""
	return frappe.get_list(
		"Customer",
		fields=[
			"name as customer",
			"customer_name",
			"rfm_segment as segment",
			"r_score",
			"f_score",
			"m_score",
			"recency_days",
			"frequency",
			"monetary",
			"loyalty_tier",
			"churn_risk",
			"clv_estimate",
		],
		filters=_filters(filters),
		order_by="`tabCustomer`.`monetary` desc, `tabCustomer`.`name` asc",
		limit_page_length=DRILL_DOWN_LIMIT,
	)
