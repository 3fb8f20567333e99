"""The nightly jobs are scheduled on the long queue, commit their results, and the forms get their scripts.

The jobs run for real and commit, so the test touches only its own data: RFM is run for the test's own
customers (a customer outside them keeps the scores it had), and the rule table, which every run replaces
whole, is copied aside first and put back afterwards, as are the settings' run stamps."""

import frappe
import pytest

from crm_suite.analytics import basket, rfm
from crm_suite.utils.temp_tables import temp_table_sql
from tests.integration.analytics.orders_factory import customers, make_sales_order, products

RULES_BACKUP = "crm_test_rules_backup"
STAMPS = ("last_rfm_run", "last_basket_run")


def test_jobs_and_form_scripts_are_registered():
	daily_long = frappe.get_hooks("scheduler_events")["daily_long"]
	assert "crm_suite.analytics.rfm.run_nightly" in daily_long
	assert "crm_suite.analytics.basket.run_scheduled" in daily_long
	doctype_js = frappe.get_hooks("doctype_js")
	assert "public/js/opportunity_sales_order.js" in doctype_js["Opportunity"]
	assert "public/js/cross_sell.js" in doctype_js["Customer"]


@pytest.mark.parametrize(
	"method", ["crm_suite.analytics.rfm.run_nightly", "crm_suite.analytics.basket.run_scheduled"]
)
def test_the_scheduler_runs_the_jobs_on_the_long_queue(method):
	"""The Scheduled Job Type Frappe synced from the hooks is what the scheduler enqueues, on its queue."""
	job = frappe.get_doc("Scheduled Job Type", {"method": method})
	assert job.frequency == "Daily Long"
	assert job.get_queue_name() == "long"
	assert not job.stopped


@pytest.fixture
def own_shop():
	"""Committed customers, products and orders of this test only; everything the jobs wrote is undone."""
	stamps = {field: frappe.db.get_single_value("Analytics Settings", field) for field in STAMPS}
	temp_table_sql(f"DROP TEMPORARY TABLE IF EXISTS {RULES_BACKUP}")
	temp_table_sql(f"CREATE TEMPORARY TABLE {RULES_BACKUP} SELECT * FROM `tabAssociation Rule`")
	names, (a, b) = customers(3), products(2)
	# Someone else's customer, scored by an earlier run: a job scoped to the test must leave it alone.
	(bystander,) = customers(1)
	frappe.db.set_value(
		"Customer", bystander, {"rfm_segment": "Champions", "r_score": 5, "f_score": 5, "m_score": 5}
	)
	orders = [
		make_sales_order(names[0], "2026-06-01", [(a, 1, 10), (b, 1, 10)]),
		make_sales_order(names[1], "2026-06-02", [(a, 1, 10), (b, 1, 10)]),
		make_sales_order(names[2], "2026-06-03", [(a, 1, 10)]),
	]
	frappe.db.commit()
	yield frappe._dict(customers=names, bystander=bystander, products=(a, b))
	frappe.db.rollback()
	frappe.db.delete("Sales Order Item", {"parent": ("in", [o.name for o in orders])})
	frappe.db.delete("Sales Order", {"name": ("in", [o.name for o in orders])})
	frappe.db.delete("Customer Segment History", {"customer": ("in", [*names, bystander])})
	frappe.db.delete("Customer", {"name": ("in", [*names, bystander])})
	frappe.db.delete("Product", {"name": ("in", [a, b])})
	frappe.db.sql("DELETE FROM `tabAssociation Rule`")
	frappe.db.sql(f"INSERT INTO `tabAssociation Rule` SELECT * FROM {RULES_BACKUP}")
	restored = frappe.db.sql(f"SELECT COUNT(*) FROM {RULES_BACKUP}")[0][0]
	assert frappe.db.count("Association Rule") == restored
	temp_table_sql(f"DROP TEMPORARY TABLE IF EXISTS {RULES_BACKUP}")
	for field, value in stamps.items():
		frappe.db.set_single_value("Analytics Settings", field, value)
	frappe.db.commit()


def test_nightly_jobs_commit_and_stamp_the_settings(own_shop):
	before = frappe.db.get_single_value("Analytics Settings", "last_rfm_run")
	rfm.run_nightly(customers=own_shop.customers)
	basket.run_scheduled(customers=own_shop.customers)
	frappe.db.rollback()  # both committed: a rollback keeps their results
	after = frappe.db.get_single_value("Analytics Settings", "last_rfm_run")
	assert after and (not before or after > before)
	assert frappe.db.get_single_value("Analytics Settings", "last_basket_run")
	segments = frappe.get_all(
		"Customer", {"name": ("in", own_shop.customers)}, ["rfm_segment", "order_count"], as_list=True
	)
	assert all(segment for segment, _ in segments) and sorted(n for _, n in segments) == [1, 1, 1]
	assert frappe.db.count("Customer Segment History", {"customer": ("in", own_shop.customers)}) == 3
	assert frappe.db.get_value("Customer", own_shop.bystander, ["rfm_segment", "r_score"]) == (
		"Champions",
		5,
	)
	# 3 baskets: a in 3, b in 2, a+b in 2 (support 2/3), both directions.
	a, b = own_shop.products
	rules = frappe.get_all("Association Rule", fields=["antecedent", "consequent", "pair_count"])
	assert sorted((r.antecedent, r.consequent, r.pair_count) for r in rules) == sorted([(a, b, 2), (b, a, 2)])
