"""Indexes other modules' tables need for My Day (each query starts from the user): added after every
migrate and on install; `add_index` skips the ones that exist."""

import frappe

INDEXES = {
	"Ticket": [("agent", "status")],  # My Day: the agent's running tickets
	"Customer": [("account_manager", "disabled")],  # My Day: the customers a user manages
	"Interaction": [
		("agent", "call_status", "interaction_time"),  # My Day: missed calls to a user
		("reference_doctype", "reference_name"),  # the form timeline of a ticket or opportunity
	],
}


def add_indexes() -> None:
	for doctype, indexes in INDEXES.items():
		if not frappe.db.table_exists(doctype):
			continue
		for columns in indexes:
			frappe.db.add_index(doctype, list(columns))
