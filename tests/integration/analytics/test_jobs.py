"""The nightly jobs are registered on the long queue, commit their results, and the forms get their scripts."""

import frappe

from crm_suite.analytics import basket, rfm


def test_jobs_and_form_scripts_are_registered():
	daily_long = frappe.get_hooks("scheduler_events")["daily_long"]
	assert "crm_suite.analytics.rfm.run_nightly" in daily_long
	assert "crm_suite.analytics.basket.run_scheduled" in daily_long
	doctype_js = frappe.get_hooks("doctype_js")
	assert "public/js/opportunity_sales_order.js" in doctype_js["Opportunity"]
	assert "public/js/cross_sell.js" in doctype_js["Customer"]


def test_nightly_jobs_commit_and_stamp_the_settings():
	"""The jobs recompute derived data only (scores, rules) from what is on the site, so running them for
	real leaves the site as a nightly run would."""
	before = frappe.db.get_single_value("Analytics Settings", "last_rfm_run")
	rfm.run_nightly()
	basket.run_scheduled()
	frappe.db.rollback()  # both committed: a rollback keeps their results
	after = frappe.db.get_single_value("Analytics Settings", "last_rfm_run")
	assert after and (not before or after > before)
	assert frappe.db.get_single_value("Analytics Settings", "last_basket_run")
