"""Cohort retention: customers grouped by the month of their first order, and the share of each cohort
that ordered in each later month. One grouping query; only the (cohort x month) counts reach Python."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder.functions import Count, IfNull
from frappe.utils import cint, getdate

from crm_suite.utils.permissions import readable_condition, readable_criterion
from crm_suite.utils.reports import count_if

MAX_MONTHS = 60


def validate_filters(from_date, to_date, months) -> int:
	months = cint(months)
	if not 1 <= months <= MAX_MONTHS:
		frappe.throw(_("Show between 1 and {0} months.").format(MAX_MONTHS), title=_("Invalid Months"))
	if from_date and to_date and getdate(from_date) > getdate(to_date):
		frappe.throw(_("The From date must not be after the To date."), title=_("Invalid Dates"))
	return months


def cohort_counts(from_date=None, to_date=None, months: int = 12) -> list[tuple[int, int, int]]:
	"""(cohort YYYYMM, months after the first order, customers ordering that month) for customers whose
	first order lies between from_date and to_date. Submitted, non-return orders only.

	The first order date comes from Customer Order Summary, kept current on every submit and cancel
	(crm_suite/analytics/order_summary.py; grouping every order by customer and month on the fly took 4.7 s
	on the benchmark, a stored first date 0.5 s), so a customer's first order counts at once."""
	months = validate_filters(from_date, to_date, months)
	values = {
		"from_date": getdate(from_date) if from_date else "1900-01-01",
		"to_date": getdate(to_date) if to_date else "9999-12-31",
		"months": months,
	}
	# only the customers and orders the user may read (crm_suite/utils/permissions.py)
	readable = (
		f"{readable_condition('Customer', 'c.`name`')} AND {readable_condition('Sales Order', 'so.`name`')}"
	)
	# raw SQL: month arithmetic (EXTRACT YEAR_MONTH, PERIOD_DIFF, LAST_DAY + INTERVAL) frappe.qb writes poorly
	return frappe.db.sql(
		f"""SELECT EXTRACT(YEAR_MONTH FROM cs.first_order_date) AS cohort_ym,
			PERIOD_DIFF(EXTRACT(YEAR_MONTH FROM so.transaction_date), EXTRACT(YEAR_MONTH FROM cs.first_order_date))
				AS month_no,
			COUNT(DISTINCT so.customer) AS customers
		FROM `tabCustomer Order Summary` cs
		JOIN `tabCustomer` c ON c.name = cs.name
		JOIN `tabSales Order` so ON so.customer = c.name
		WHERE cs.first_order_date >= %(from_date)s AND cs.first_order_date <= %(to_date)s
			AND so.docstatus = 1 AND so.is_return = 0
			AND so.transaction_date >= cs.first_order_date
			AND so.transaction_date < DATE_ADD(LAST_DAY(cs.first_order_date), INTERVAL %(months)s MONTH) + INTERVAL 1 DAY
			AND {readable}
		GROUP BY cohort_ym, month_no
		ORDER BY cohort_ym, month_no""",
		values,
	)


def cohort_matrix(from_date=None, to_date=None, months: int = 12) -> list[dict]:
	"""Rows {cohort: "2026-01", customers: n, month_0: 100.0, month_1: 12.5, ...} (shares in percent)."""
	months = validate_filters(from_date, to_date, months)
	rows: dict[int, dict] = {}
	for cohort_ym, month_no, customers in cohort_counts(from_date, to_date, months):
		cohort_ym, month_no = int(cohort_ym), int(month_no)
		row = rows.setdefault(
			cohort_ym, {"cohort": f"{cohort_ym // 100}-{cohort_ym % 100:02d}", "customers": 0}
		)
		if month_no == 0:
			row["customers"] = customers
		row[f"month_{month_no}"] = customers
	for row in rows.values():
		size = row["customers"]
		for m in range(months + 1):
			key = f"month_{m}"
			if key in row:
				row[key] = round(100.0 * row[key] / size, 2) if size else 0.0
	return list(rows.values())


def repeat_purchase_rate() -> float:
	"""Share (percent) of customers with an order who ordered at least twice (Customer Order Summary's
	current counts; returns are not orders)."""
	summary, customer = frappe.qb.DocType("Customer Order Summary"), frappe.qb.DocType("Customer")
	buyers, repeat = (
		frappe.qb.from_(summary)
		.join(customer)
		.on(customer.name == summary.name)
		.select(Count("*"), IfNull(count_if(summary.order_count >= 2), 0))
		.where((summary.order_count > 0) & readable_criterion("Customer", customer.name))
		.run()[0]
	)
	return round(100.0 * repeat / buyers, 2) if buyers else 0.0
