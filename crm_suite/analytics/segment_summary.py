"""What the RFM Segmentation report shows: per segment counts and revenue, or one segment's customers.
Reads the scores the nightly job wrote on Customer; one grouping query."""

from __future__ import annotations

import re

import frappe
from frappe import _

from crm_suite.analytics.rfm import SEGMENTS

DRILL_DOWN_LIMIT = 5000


def _readable_customers_sql() -> str | None:
	"""The Customers the user may read, as a subquery built by Frappe's own list query (role permissions,
	User Permissions, permission_query_conditions), so the report shows no one the Customer list hides.
	None when that query has no condition at all (the user may read every Customer): the report then
	needs no subquery (on 100k customers the unconditional IN subquery cost 1.8 s of 2 s)."""
	query = frappe.get_list(
		"Customer", fields=["`tabCustomer`.`name`"], order_by="", limit_page_length=0, run=0
	)
	if not re.search(r"\bwhere\b", query, re.IGNORECASE):
		return None
	return query.replace("%", "%%")  # literal: the report query is formatted with parameters


def _source() -> str:
	"""The Customer table, joined to the readable customers when the user may not read them all (a join
	on the primary key: the IN subquery it replaced scanned every scored customer for each check)."""
	readable = _readable_customers_sql()
	if not readable:
		return "`tabCustomer` c"
	return f"({readable}) readable JOIN `tabCustomer` c ON c.name = readable.name"


def _conditions(filters) -> tuple[str, dict]:
	conditions, values = ["c.rfm_segment IS NOT NULL", "c.rfm_segment != ''"], {}
	for field in ("customer_group", "territory", "loyalty_tier"):
		if filters.get(field):
			conditions.append(f"c.{field} = %({field})s")
			values[field] = filters.get(field)
	if filters.get("segment"):
		if filters.get("segment") not in SEGMENTS:
			frappe.throw(
				_("Unknown RFM segment {0}.").format(filters.get("segment")), title=_("Invalid Segment")
			)
		conditions.append("c.rfm_segment = %(segment)s")
		values["segment"] = filters.get("segment")
	return " AND ".join(conditions), values


def segment_rows(filters) -> list[dict]:
	where, values = _conditions(filters)
	rows = frappe.db.sql(
		f"""SELECT c.rfm_segment AS segment, COUNT(*) AS customers, SUM(c.monetary) AS revenue,
			AVG(c.recency_days) AS avg_recency, AVG(c.frequency) AS avg_frequency, AVG(c.monetary) AS avg_monetary,
			SUM(c.churn_risk) AS churn_risk, AVG(c.clv_estimate) AS avg_clv
		FROM {_source()} WHERE {where} GROUP BY c.rfm_segment""",
		values,
		as_dict=True,
	)
	total_customers = sum(r.customers for r in rows) or 1
	total_revenue = sum(max(r.revenue or 0, 0) for r in rows) or 1
	order = {s: i for i, s in enumerate(SEGMENTS)}
	for r in rows:
		r.customer_share = round(100.0 * r.customers / total_customers, 2)
		r.revenue_share = round(100.0 * max(r.revenue or 0, 0) / total_revenue, 2)
	return sorted(rows, key=lambda r: order.get(r.segment, 99))


def customer_rows(filters) -> list[dict]:
	where, values = _conditions(filters)
	return frappe.db.sql(
		f"""SELECT c.name AS customer, c.customer_name, c.rfm_segment AS segment, c.r_score, c.f_score, c.m_score,
			c.recency_days, c.frequency, c.monetary, c.loyalty_tier, c.churn_risk, c.clv_estimate
		FROM {_source()} WHERE {where}
		ORDER BY c.monetary DESC, c.name LIMIT {DRILL_DOWN_LIMIT}""",
		values,
		as_dict=True,
	)
