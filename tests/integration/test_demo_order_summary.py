"""The demo builds Customer Order Summary once (the re-conversion's rebuild), and the rows are what a rebuild
from the converted orders gives: the same result the earlier refresh-then-rebuild left, with one pass less.

The statements are counted with Frappe's own Recorder (`frappe.recorder`, the desk's query recorder)."""

import frappe
from frappe import recorder

from crm_suite.analytics.order_summary import TABLE, rebuild_order_summaries
from crm_suite.setup.demo import make_demo

UNTIL = "2026-06-30"


def _summary_rows() -> list[tuple]:
	return frappe.db.sql(
		f"""select customer, order_count, lifetime_value, first_order_date, last_order_date
		from {TABLE} order by customer"""
	)


def test_the_demo_builds_the_order_summary_once_as_a_rebuild_would():
	recorder.record(force=True)
	frappe.local._recorder.config.capture_stack = False
	try:
		result = make_demo(seed=5, scale="small", until=UNTIL)
		queries = [call["query"] for call in frappe.local._recorder.calls]
	finally:
		frappe.local._recorder.cleanup()
		del frappe.local._recorder
	deletes = [q for q in queries if q.lower().lstrip().startswith(f"delete from {TABLE.lower()}")]
	assert len(deletes) == 1, deletes
	built = _summary_rows()
	customers = {row[0] for row in built}
	assert set(result.converted_customers) & customers, "the demo's customers with orders have rows"
	rebuild_order_summaries()
	assert _summary_rows() == built
