import frappe


def execute():
	"""Backfill Customer Order Summary from the submitted orders."""
	frappe.reload_doc("analytics", "doctype", "customer_order_summary")
	from crm_suite.analytics.order_summary import rebuild_order_summaries

	rebuild_order_summaries()
