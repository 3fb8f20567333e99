"""Customer Order Summary: the per-customer order totals the nightly RFM job reads, kept in step with
submit, cancel, returns and amendments (Data Import: test_sales_order.py), and rebuilt when they drift."""

import threading

import frappe
import pytest

from crm_suite.analytics import order_summary, rfm
from tests.integration.analytics.orders_factory import customers, delete_orders_of, make_sales_order, products
from tests.integration.factories import delete_for_good
from tests.integration.sessions import run_in_threads

AS_OF = "2026-06-30"
SETTINGS = rfm.RfmSettings(window_days=365)
RFM_FIELDS = (
	"rfm_segment",
	"recency_days",
	"frequency",
	"monetary",
	"r_score",
	"f_score",
	"m_score",
	"loyalty_tier",
	"first_order_date",
	"last_order_date",
	"order_count",
	"is_repeat_customer",
	"avg_days_between_orders",
	"churn_risk",
	"clv_estimate",
)


def summary(customer):
	row = frappe.db.get_value(
		"Customer Order Summary",
		customer,
		["first_order_date", "last_order_date", "order_count", "lifetime_value"],
	)
	return row and (str(row[0]) if row[0] else None, str(row[1]) if row[1] else None, row[2], row[3])


def test_submit_cancel_return_and_amend_keep_the_totals():
	(customer,) = customers(1)
	(product,) = products(1)
	draft = make_sales_order(customer, "2026-03-01", [(product, 1, 10)], submit=False)
	assert summary(customer) is None  # drafts never count
	first = make_sales_order(customer, "2026-01-10", [(product, 2, 50)])
	assert summary(customer) == ("2026-01-10", "2026-01-10", 1, 100)
	second = make_sales_order(customer, "2026-02-01", [(product, 1, 30)])
	assert summary(customer) == ("2026-01-10", "2026-02-01", 2, 130)
	# A return subtracts from the total but is not an order and moves no order date.
	make_sales_order(customer, "2026-04-01", [(product, 1, 50)], is_return=1, return_against=first.name)
	assert summary(customer) == ("2026-01-10", "2026-02-01", 2, 80)
	second.cancel()
	assert summary(customer) == ("2026-01-10", "2026-01-10", 1, 50)
	# Amend the cancelled order with another date and rate: the amendment is a new submit.
	amended = frappe.copy_doc(second)
	amended.docstatus = 0
	amended.amended_from = second.name
	amended.transaction_date = "2026-05-05"
	amended.items[0].rate = 40
	amended.insert()
	amended.submit()
	assert summary(customer) == ("2026-01-10", "2026-05-05", 2, 90)
	draft.delete()
	first_return = frappe.get_all("Sales Order", {"customer": customer, "is_return": 1}, pluck="name")
	frappe.get_doc("Sales Order", first_return[0]).cancel()
	first.cancel()
	assert summary(customer) == ("2026-05-05", "2026-05-05", 1, 40)
	amended.cancel()
	assert summary(customer) is None  # no submitted order left: no row


def test_rebuild_repairs_drift_and_matches_the_orders():
	names = customers(2)
	(product,) = products(1)
	make_sales_order(names[0], "2026-01-10", [(product, 1, 10)])
	make_sales_order(names[1], "2026-02-10", [(product, 1, 20)])
	frappe.db.sql(
		"UPDATE `tabCustomer Order Summary` SET order_count = 7, lifetime_value = 1 WHERE name = %s", names[0]
	)
	frappe.db.sql("DELETE FROM `tabCustomer Order Summary` WHERE name = %s", names[1])
	order_summary.rebuild_order_summaries()
	assert summary(names[0]) == ("2026-01-10", "2026-01-10", 1, 10)
	assert summary(names[1]) == ("2026-02-10", "2026-02-10", 1, 20)
	# Every row equals the orders' own grouping.
	diff = frappe.db.sql(
		"""SELECT COUNT(*) FROM (
			SELECT customer, MIN(IF(is_return = 0, transaction_date, NULL)) f,
				MAX(IF(is_return = 0, transaction_date, NULL)) l, SUM(is_return = 0) n, SUM(base_grand_total) v
			FROM `tabSales Order` WHERE docstatus = 1 GROUP BY customer) o
		LEFT JOIN `tabCustomer Order Summary` cs ON cs.name = o.customer
		WHERE NOT (cs.first_order_date <=> o.f AND cs.last_order_date <=> o.l
			AND cs.order_count = o.n AND cs.lifetime_value = o.v)"""
	)[0][0]
	assert diff == 0
	assert (
		frappe.db.count("Customer Order Summary")
		== frappe.db.sql("SELECT COUNT(DISTINCT customer) FROM `tabSales Order` WHERE docstatus = 1")[0][0]
	)


def _rfm_values(names):
	return [frappe.db.get_value("Customer", n, RFM_FIELDS) for n in names]


def test_orders_after_the_scoring_date_do_not_count_and_reruns_are_stable():
	"""Scoring as of a past date regroups from the orders the customers who ordered since (the summary
	holds their totals as of today); the result equals a run without those later orders."""
	names = customers(3)
	(product,) = products(1)
	late, steady, returned = names
	make_sales_order(late, "2026-03-01", [(product, 1, 10)])
	make_sales_order(steady, "2026-05-01", [(product, 2, 10)])
	sale = make_sales_order(returned, "2026-06-01", [(product, 1, 30)])
	make_sales_order(returned, "2026-06-10", [(product, 1, 30)], is_return=1, return_against=sale.name)
	rfm.compute_rfm(AS_OF, SETTINGS, customers=names)
	before = _rfm_values(names)
	history = frappe.db.count("Customer Segment History", {"customer": ("in", names)})
	later = make_sales_order(late, "2026-08-01", [(product, 5, 100)])
	make_sales_order(steady, "2026-07-15", [(product, 1, 10)])
	assert summary(late)[1] == "2026-08-01"
	rfm.compute_rfm(AS_OF, SETTINGS, customers=names)
	assert _rfm_values(names) == before
	assert frappe.db.count("Customer Segment History", {"customer": ("in", names)}) == history
	late_row = frappe.db.get_value("Customer", late, ["last_order_date", "order_count"])
	assert (str(late_row[0]), late_row[1]) == ("2026-03-01", 1)
	# Scored as of after the later orders they count.
	rfm.compute_rfm("2026-08-02", SETTINGS, customers=names)
	assert frappe.db.get_value("Customer", late, "order_count") == 2
	later.cancel()
	rfm.compute_rfm(AS_OF, SETTINGS, customers=names)
	assert _rfm_values(names) == before


def test_the_nightly_job_reads_the_summary():
	"""The scores come from the summary rows: a drifted row shows (which is why the rebuild exists)."""
	(name,) = customers(1)
	make_sales_order(name, "2026-06-01", [(products(1)[0], 1, 10)])
	frappe.db.sql("UPDATE `tabCustomer Order Summary` SET order_count = 4 WHERE name = %s", name)
	rfm.compute_rfm(AS_OF, SETTINGS, customers=[name])
	assert frappe.db.get_value("Customer", name, "order_count") == 4
	order_summary.refresh_order_summaries([name])
	rfm.compute_rfm(AS_OF, SETTINGS, customers=[name])
	assert frappe.db.get_value("Customer", name, "order_count") == 1


@pytest.mark.parametrize("merge", [False, True])
def test_renaming_or_merging_a_customer_moves_its_totals(merge):
	old, other = customers(2)
	(product,) = products(1)
	make_sales_order(old, "2026-01-10", [(product, 1, 10)])
	make_sales_order(other, "2026-02-10", [(product, 1, 20)])
	new = other if merge else f"{old}-RENAMED"
	frappe.rename_doc("Customer", old, new, merge=merge, force=True)
	assert summary(old) is None
	if merge:
		assert summary(new) == ("2026-01-10", "2026-02-10", 2, 30)
	else:
		assert summary(new) == ("2026-01-10", "2026-01-10", 1, 10)


def test_concurrent_submits_for_one_customer_do_not_deadlock(site, monkeypatch):
	"""Two sessions submit orders for the same customer at once, each holding its own order's row lock
	when the summary is updated (a barrier lines them up there): both commit, and the row equals the
	orders' own grouping. The old INSERT ... SELECT read the customer's orders with shared locks, so each
	session waited for the other's order row: a deadlock."""
	(customer,) = customers(1)
	(product,) = products(1)
	make_sales_order(customer, "2026-01-10", [(product, 1, 10)])  # the summary row exists
	frappe.db.commit()
	barrier = threading.Barrier(2, timeout=30)
	real = order_summary.on_sales_order_change

	def lined_up(doc, method=None):
		if doc.customer == customer and doc.docstatus == 1:
			barrier.wait()  # both orders are submitted (row-locked) in their sessions, neither committed
		return real(doc, method)

	monkeypatch.setattr(order_summary, "on_sales_order_change", lined_up)

	def submit(date, rate):
		def work():
			try:
				doc = make_sales_order(customer, date, [(product, 1, rate)], submit=False)
				frappe.db.commit()  # the draft (and its naming series row) first, as a user saves first
				barrier.wait()  # both drafts saved: the submits start together
				doc.submit()
			except Exception:
				barrier.abort()  # the other session must not wait for this one
				raise
			return doc.name

		return work

	try:
		works = [submit(date, rate) for date, rate in (("2026-03-01", 20), ("2025-12-01", 30))]
		results = run_in_threads(site, works, timeout=60)  # a fresh snapshot sees the sessions' commits
		assert len(results) == 2 and all(isinstance(r, str) for r in results), results
		expected = frappe.db.sql(
			"""SELECT MIN(IF(is_return = 0, transaction_date, NULL)), MAX(IF(is_return = 0, transaction_date, NULL)),
				SUM(is_return = 0), SUM(base_grand_total)
			FROM `tabSales Order` WHERE docstatus = 1 AND customer = %s""",
			customer,
		)[0]
		assert summary(customer) == ("2025-12-01", "2026-03-01", 3, 60)
		assert summary(customer) == (str(expected[0]), str(expected[1]), expected[2], expected[3])
	finally:
		delete_orders_of(customer)
		delete_for_good("Customer", customer)
		delete_for_good("Product", product)
		frappe.db.commit()
