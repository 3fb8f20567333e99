"""Per-customer totals of submitted Sales Orders (`tabCustomer Order Summary`), kept in step set-based.

One row per customer with a submitted order: first and last non-return order date, non-return order count
and net lifetime total (returns subtract). The nightly RFM job reads these ~100k rows instead of grouping
every order (crm_suite/analytics/rfm.py); the window's frequency and monetary still come from the orders
(one read of the covering index `customer_date_total`, grouped in index order).

Kept right by recomputing a customer's row from that customer's submitted orders (one INSERT ... SELECT
over the covering index `customer_date_total`) in the same transaction as the change:
- Sales Order on_submit / on_cancel (doc_events in hooks.py): submit, cancel, returns, amendments (the
  amended order is a new submit, its original a cancel) and Data Import (which submits through the same
  document methods) all pass here;
- Customer after_rename (a rename or a merge moves orders to another name).
Orders written around the document model (raw SQL, like the benchmark's generator) need
`rebuild_order_summaries()`, which recomputes every row from the orders; the patch
`crm_suite.patches.v0_1.customer_order_summary` runs it once, and the weekly job repairs any drift.
"""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime

TABLE = "`tabCustomer Order Summary`"


def _insert_sql(condition: str) -> str:
	return f"""INSERT INTO {TABLE}
			(name, creation, modified, owner, modified_by, docstatus, idx,
			customer, first_order_date, last_order_date, order_count, lifetime_value)
		SELECT so.customer, %(now)s, %(now)s, %(user)s, %(user)s, 0, 0, so.customer,
			MIN(IF(so.is_return = 0, so.transaction_date, NULL)),
			MAX(IF(so.is_return = 0, so.transaction_date, NULL)),
			SUM(so.is_return = 0), SUM(so.grand_total)
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
	frappe.db.sql(f"DELETE FROM {TABLE} WHERE name IN %(customers)s OR customer IN %(customers)s", values)
	frappe.db.sql(_insert_sql("AND so.customer IN %(customers)s"), values)


def rebuild_order_summaries() -> int:
	"""Recompute every row from the submitted orders (backfill, or repair after writes around the document
	model). Does not commit; returns the number of rows."""
	values = {"now": now_datetime(), "user": frappe.session.user}
	frappe.db.sql(f"DELETE FROM {TABLE}")
	frappe.db.sql(_insert_sql(""), values)
	return frappe.db.sql(f"SELECT COUNT(*) FROM {TABLE}")[0][0]


def run_weekly_rebuild() -> None:
	"""Scheduled weekly on the long queue: repair any drift (e.g. orders changed by raw SQL), then commit."""
	rebuild_order_summaries()
	frappe.db.commit()


def on_sales_order_change(doc, method=None) -> None:
	"""Sales Order on_submit / on_cancel."""
	refresh_order_summaries([doc.customer])


def on_customer_rename(doc, method=None, old=None, new=None, merge=False) -> None:
	"""Customer after_rename: the orders now carry the new name (merged ones included)."""
	refresh_order_summaries([old, new])
