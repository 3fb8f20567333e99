"""Exchange rates under concurrency: sessions adding the same rate while others submit orders in that
currency. Nothing stored twice, no deadlock, every order kept, and the amounts right after the weekly
re-conversion (crm_suite/crm/money.py). Commits its own records and deletes them afterwards."""

import threading
from datetime import date

import frappe
import pytest

from crm_suite.crm import money
from tests.integration.analytics.orders_factory import delete_orders_of, make_sales_order
from tests.integration.factories import delete_for_good, make_customer, make_product
from tests.integration.sessions import run_in_threads

pytestmark = pytest.mark.commits

OLD, NEW, ORDER_DAY = date(1991, 1, 1), date(1991, 6, 1), date(1991, 7, 1)


def _rate(currency, to, day, value):
	return frappe.get_doc(
		{"doctype": "Exchange Rate", "from_currency": currency, "to_currency": to, "date": day, "rate": value}
	).insert()


def test_the_same_rate_added_by_many_while_orders_are_submitted(site):
	to = money.reporting_currency()
	currency = "BAM" if to != "BAM" else "EUR"
	frappe.db.set_value("Currency", currency, "enabled", 1)
	customer, product = make_customer().name, make_product().name
	old = _rate(currency, to, OLD, 0.5).name
	frappe.db.commit()

	def add_rate():
		return _rate(currency, to, NEW, 0.4).name

	def submit_order():
		return make_sales_order(customer, ORDER_DAY, [(product, 1, 100)], currency=currency).name

	try:
		works = [add_rate, submit_order] * 3
		results = run_in_threads(site, works, barrier=threading.Barrier(6, timeout=60), timeout=120)
		errors = [r for r in results if isinstance(r, Exception)]
		assert len(errors) == 2 and all(isinstance(e, frappe.DuplicateEntryError) for e in errors), errors
		frappe.db.rollback()  # a fresh snapshot sees the other sessions' commits
		rates = frappe.get_all(
			"Exchange Rate", filters={"from_currency": currency, "to_currency": to, "date": NEW}, pluck="name"
		)
		assert len(rates) == 1, "stored once"
		orders = frappe.get_all(
			"Sales Order", filters={"customer": customer, "docstatus": 1}, fields=["base_grand_total"]
		)
		assert len(orders) == 3, "no order lost"
		# each kept the rate it read: the new one, or the old one when it read just before the rate committed
		assert all(o.base_grand_total in (40.0, 50.0) for o in orders)
		money.run_weekly_reconvert()
		totals = frappe.get_all(
			"Sales Order", filters={"customer": customer, "docstatus": 1}, pluck="base_grand_total"
		)
		assert totals == [40.0, 40.0, 40.0]
		assert frappe.db.get_value("Customer Order Summary", customer, "lifetime_value") == 120.0
	finally:
		delete_orders_of(customer)
		frappe.db.sql(
			"DELETE FROM `tabExchange Rate` WHERE from_currency = %s AND to_currency = %s AND date IN %s",
			(currency, to, (OLD, NEW)),
		)
		delete_for_good("Customer", customer)
		delete_for_good("Product", product)
		frappe.db.commit()
		assert not frappe.db.exists("Exchange Rate", old)
