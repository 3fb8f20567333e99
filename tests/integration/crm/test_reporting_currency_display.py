"""Customer's monetary and CLV values and Customer Order Summary's lifetime value are amounts in the
reporting currency (CRM Settings), and the desk shows them in it, not in the site's default currency."""

import frappe
from frappe.desk.form.load import getdoc
from frappe.utils.formatters import format_value

from crm_suite.analytics.order_summary import refresh_order_summaries
from crm_suite.crm import money
from tests.integration.analytics.orders_factory import make_sales_order, products
from tests.integration.factories import make_customer, make_user


def _other_currency() -> str:
	default = money.default_currency()
	other = next(c for c in ("BAM", "USD", "EUR") if c != default)
	frappe.db.set_value("Currency", other, "enabled", 1)
	# set directly: the test's own transaction (rolled back), no re-conversion of the site's amounts
	frappe.db.set_single_value("CRM Settings", "reporting_currency", other)
	return other


def _loaded(doctype: str, name: str) -> frappe._dict:
	"""The document as the desk's form receives it."""
	frappe.response.docs = []
	getdoc(doctype, name)
	return frappe._dict(frappe.response.docs[0].as_dict(no_nulls=True))  # as its JSON response sends it


def _symbol(currency: str) -> str:
	return frappe.db.get_value("Currency", currency, "symbol") or currency


def test_customer_amounts_are_shown_in_the_reporting_currency():
	other = _other_currency()
	customer = make_customer()
	frappe.db.set_value(
		"Customer", customer.name, {"monetary": 1234.5, "clv_estimate": 4321}, update_modified=False
	)
	frappe.set_user(make_user("Sales Manager").name)
	doc = _loaded("Customer", customer.name)
	assert doc.reporting_currency == other
	meta = frappe.get_meta("Customer")
	for fieldname in ("monetary", "clv_estimate"):
		df = meta.get_field(fieldname)
		assert df.options == "reporting_currency"
		shown = format_value(doc[fieldname], df, doc)
		assert _symbol(other) in shown, shown
		assert _symbol(money.default_currency()) not in shown, shown


def test_the_order_summary_is_shown_in_the_reporting_currency():
	other = _other_currency()
	customer = make_customer().name
	(product,) = products(1)
	make_sales_order(customer, "2026-02-01", [(product, 2, 50)], currency=other)
	refresh_order_summaries([customer])
	frappe.set_user(make_user("CRM Manager").name)
	doc = _loaded("Customer Order Summary", customer)
	assert (doc.reporting_currency, doc.lifetime_value) == (other, 100)
	df = frappe.get_meta("Customer Order Summary").get_field("lifetime_value")
	assert _symbol(other) in format_value(doc.lifetime_value, df, doc)
	# the list view asks for the currency field beside the amount: answered, in the reporting currency
	rows = frappe.get_list(
		"Customer Order Summary",
		fields=["name", "lifetime_value", "reporting_currency"],
		filters={"name": customer},
	)
	assert [(r.name, r.lifetime_value) for r in rows] == [(customer, 100)]
