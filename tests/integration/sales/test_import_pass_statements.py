"""The import pass's statements on shared tables lock only the chunk's rows (crm_suite.sales.import_pass):
its DELETE of the chunk's stored matches is a range on Lead Duplicate's parent index for a chunk of 2,000
leads, not a scan that would lock every Lead Duplicate row while the chunk's transaction runs."""

import frappe

from crm_suite.sales import import_pass


def test_the_chunk_delete_of_stored_matches_is_a_range_on_the_parent_index():
	names = [f"CRM-LEAD-TEST-{i:05d}" for i in range(2000)]
	plan = frappe.db.sql(f"explain {import_pass.DELETE_MATCH_ROWS}", [names], as_dict=True)
	assert [(p.type, p.key) for p in plan] == [("range", "parent")], plan
