"""Per-customer totals of submitted Sales Orders (`tabCustomer Order Summary`), kept in step set-based.

One row per customer with a submitted order: first and last non-return order date, non-return order count
and net lifetime total (returns subtract). The nightly RFM job reads these ~100k rows instead of grouping
every order (crm_suite/analytics/rfm.py); the window's frequency and monetary still come from the orders
(one read of the covering index `customer_date_total`, grouped in index order).

Kept right in the same transaction as the change:
- Sales Order on_submit: one upsert of the customer's summary row only (`INSERT ... VALUES ... ON DUPLICATE
  KEY UPDATE` adding the order's count, total and dates); it reads no Sales Order row, so concurrent submits
  for one customer (each holding its own order's row lock) cannot deadlock, and a first order takes no gap
  lock beyond the insert's;
- Sales Order on_cancel: an UPDATE of the summary row subtracting the order's count and total; only when
  the cancelled order is a non-return dated on the stored first or last date, or leaves no non-return
  order, is the row recomputed from the customer's submitted orders (that read locks their rows; rare).
  Submit, cancel, returns, amendments (the amended order is a new submit, its original a cancel) and Data
  Import (which submits through the same document methods) all pass here;
- Customer after_rename (a rename or a merge moves orders to another name).
Orders written around the document model (raw SQL, like the benchmark's generator) need
`rebuild_order_summaries()`, which recomputes every row from the orders; the patch
`crm_suite.patches.v0_1.customer_order_summary` runs it once, and the weekly job repairs any drift.
"""

from __future__ import annotations

import frappe
from frappe.query_builder.functions import Count
from frappe.utils import flt, getdate, now_datetime

DOCTYPE = "Customer Order Summary"
TABLE = f"`tab{DOCTYPE}`"


def _insert_sql(condition: str) -> str:
	# raw SQL: a bulk INSERT … SELECT with FORCE INDEX
	return f"""INSERT INTO {TABLE}
			(name, creation, modified, owner, modified_by, docstatus, idx,
			customer, first_order_date, last_order_date, order_count, lifetime_value)
		SELECT so.customer, %(now)s, %(now)s, %(user)s, %(user)s, 0, 0, so.customer,
			MIN(IF(so.is_return = 0, so.transaction_date, NULL)),
			MAX(IF(so.is_return = 0, so.transaction_date, NULL)),
			SUM(so.is_return = 0), SUM(so.base_grand_total)
		FROM `tabSales Order` so FORCE INDEX (customer_date_total)
		WHERE so.docstatus = 1 {condition}
		GROUP BY so.customer"""


def refresh_order_summaries(customers: list[str] | tuple[str, ...]) -> None:
	"""Recompute the rows of `customers` from their submitted orders (a customer left without any loses
	its row). Does not commit: it runs inside the transaction that changed the orders."""
	customers = tuple({c for c in customers if c})
	if not customers:
		return
	values = {"customers": customers, "now": now_datetime(), "user": frappe.session.user}
	summary = frappe.qb.DocType(DOCTYPE)
	frappe.qb.from_(summary).delete().where(
		summary.name.isin(customers) | summary.customer.isin(customers)
	).run()
	frappe.db.sql(_insert_sql("AND so.customer IN %(customers)s"), values)


def rebuild_order_summaries() -> int:
	"""Recompute every row from the submitted orders (backfill, or repair after writes around the document
	model). Does not commit; returns the number of rows."""
	values = {"now": now_datetime(), "user": frappe.session.user}
	summary = frappe.qb.DocType(DOCTYPE)
	frappe.qb.from_(summary).delete().run()
	frappe.db.sql(_insert_sql(""), values)
	return frappe.qb.from_(summary).select(Count("*")).run()[0][0]


def run_weekly_rebuild() -> None:
	"""Scheduled weekly on the long queue: repair any drift (e.g. orders changed by raw SQL), then commit."""
	rebuild_order_summaries()
	frappe.db.commit()


# raw SQL: INSERT … ON DUPLICATE KEY UPDATE with expressions over the stored row
_UPSERT_SQL = f"""INSERT INTO {TABLE}
		(name, creation, modified, owner, modified_by, docstatus, idx,
		customer, first_order_date, last_order_date, order_count, lifetime_value)
	VALUES (%(customer)s, %(now)s, %(now)s, %(user)s, %(user)s, 0, 0,
		%(customer)s, %(date)s, %(date)s, %(count)s, %(total)s)
	ON DUPLICATE KEY UPDATE
		first_order_date = IF(%(date)s IS NULL, first_order_date,
			LEAST(COALESCE(first_order_date, %(date)s), %(date)s)),
		last_order_date = IF(%(date)s IS NULL, last_order_date,
			GREATEST(COALESCE(last_order_date, %(date)s), %(date)s)),
		order_count = order_count + %(count)s,
		lifetime_value = lifetime_value + %(total)s,
		modified = %(now)s, modified_by = %(user)s"""


def _order_delta(doc) -> dict:
	is_return = bool(doc.is_return)
	return {
		"customer": doc.customer,
		"date": None if is_return else doc.transaction_date,
		"count": 0 if is_return else 1,
		"total": flt(doc.base_grand_total),
		"now": now_datetime(),
		"user": frappe.session.user,
	}


def on_sales_order_submit(doc, method=None) -> None:
	"""Sales Order on_submit: add the order to its customer's row (one upsert, no Sales Order read)."""
	if doc.customer:
		frappe.db.sql(_UPSERT_SQL, _order_delta(doc))


def on_sales_order_cancel(doc, method=None) -> None:
	"""Sales Order on_cancel: subtract the order from its customer's row; recompute the row only when the
	order may have been its first or last date (or the row is gone or left without any order)."""
	if not doc.customer:
		return
	values = _order_delta(doc)
	summary = frappe.qb.DocType(DOCTYPE)
	row = (
		frappe.qb.from_(summary)
		.select(summary.first_order_date, summary.last_order_date, summary.order_count)
		.where(summary.name == doc.customer)
		.for_update()
		.run()
	)
	date = getdate(values["date"]) if values["date"] else None
	if not row or (date and date in (row[0][0], row[0][1])) or row[0][2] - values["count"] <= 0:
		refresh_order_summaries([doc.customer])
		return
	(
		frappe.qb.update(summary)
		.set(summary.order_count, summary.order_count - values["count"])
		.set(summary.lifetime_value, summary.lifetime_value - values["total"])
		.set(summary.modified, values["now"])
		.set(summary.modified_by, values["user"])
		.where(summary.name == doc.customer)
		.run()
	)


def on_sales_order_change(doc, method=None) -> None:
	"""Sales Order on_submit / on_cancel (kept for callers by name): dispatch on the document's state."""
	if doc.docstatus == 2:
		on_sales_order_cancel(doc, method)
	else:
		on_sales_order_submit(doc, method)


def on_customer_rename(doc, method=None, old=None, new=None, merge=False) -> None:
	"""Customer after_rename: the orders now carry the new name (merged ones included)."""
	refresh_order_summaries([old, new])


# ---------------------------------------------------------------- who reads a summary row
def query_conditions(user: str | None = None) -> str:
	"""Customer Order Summary permission_query_conditions: the rows of the customers the user may read.
	`customer` is plain data (not a link), so Frappe's User Permissions on Customer do not reach it: a CRM
	Manager limited to one customer read every customer's order totals."""
	from crm_suite.utils.permissions import ALL, readable_condition

	condition = readable_condition("Customer", f"{TABLE}.`customer`", user, params=False)
	return "" if condition == ALL else condition


def has_permission(doc, ptype: str | None = None, user: str | None = None) -> bool | None:
	"""Customer Order Summary has_permission: a row follows its customer (only takes permission away)."""
	user = user or frappe.session.user
	if user == "Administrator" or not doc.get("customer") or not frappe.db.exists("Customer", doc.customer):
		return None
	return None if frappe.has_permission("Customer", "read", doc=doc.customer, user=user) else False
