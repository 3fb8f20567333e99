"""Cohort Retention counts a customer's first order at once: the first order date comes from Customer Order
Summary (kept on every submit and cancel), not from Customer.first_order_date, which only the nightly RFM
job writes. The report still shows only the customers and orders the user may read."""

import frappe
from frappe.desk.query_report import run as run_report

from crm_suite.analytics import cohorts
from tests.integration.analytics.orders_factory import customers, make_sales_order, products
from tests.integration.factories import make_user

FILTERS = {"from_date": "2012-03-01", "to_date": "2012-03-31", "months": 2}


def test_first_orders_count_before_the_nightly_job_runs():
	c1, c2 = customers(2)
	(p,) = products(1)
	make_sales_order(c1, "2012-03-05", [(p, 1, 10)])
	make_sales_order(c1, "2012-04-10", [(p, 1, 10)])
	make_sales_order(c2, "2012-03-20", [(p, 1, 10)])
	make_sales_order(c2, "2012-02-01", [(p, 1, 10)]).cancel()  # cancelled: c2's first order is in March
	assert not frappe.db.get_value("Customer", c1, "first_order_date")  # the nightly job has not run
	frappe.set_user(make_user("Marketing Manager").name)
	result = run_report("Cohort Retention", FILTERS)
	assert result["result"] == [
		{"cohort": "2012-03", "customers": 2, "month_0": 100.0, "month_1": 50.0},
	]
	assert 0 < cohorts.repeat_purchase_rate() <= 100  # c1 ordered twice: the site has a repeat buyer


def test_the_cohorts_keep_the_customer_read_rule():
	c1, c2 = customers(2)
	(p,) = products(1)
	make_sales_order(c1, "2012-03-05", [(p, 1, 10)])
	make_sales_order(c2, "2012-03-06", [(p, 1, 10)])
	user = make_user("Marketing Manager").name
	frappe.get_doc({"doctype": "User Permission", "user": user, "allow": "Customer", "for_value": c1}).insert(
		ignore_permissions=True
	)
	frappe.set_user(user)
	assert run_report("Cohort Retention", FILTERS)["result"] == [
		{"cohort": "2012-03", "customers": 1, "month_0": 100.0}
	]
