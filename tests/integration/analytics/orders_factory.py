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
