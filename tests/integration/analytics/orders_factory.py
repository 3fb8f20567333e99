"""Builders for Sales Orders in the analytics tests."""

import frappe

from tests.integration.factories import make_customer, make_product


def make_sales_order(
	customer: str, date: str, lines: list[tuple[str, float, float]], submit: bool = True, **kw
):
	"""lines: (product, qty, rate)."""
	doc = frappe.get_doc(
		{
			"doctype": "Sales Order",
			"customer": customer,
			"transaction_date": date,
			"items": [{"product": p, "qty": q, "rate": r} for p, q, r in lines],
			**kw,
		}
	).insert()
	if submit:
		doc.submit()
	return doc


def customers(n: int) -> list[str]:
	return [make_customer().name for _ in range(n)]


def products(n: int) -> list[str]:
	return [make_product().name for _ in range(n)]


def delete_orders_of(customer: str) -> None:
	"""Roll back, then delete the customer's Sales Orders (with their items) and its Customer Order Summary
	row: for tests whose other sessions committed them."""
	frappe.db.rollback()
	orders = frappe.get_all("Sales Order", {"customer": customer}, pluck="name")
	if orders:
		frappe.db.delete("Sales Order Item", {"parent": ("in", orders)})
		frappe.db.delete("Sales Order", {"name": ("in", orders)})
	frappe.db.delete("Customer Order Summary", {"name": customer})
