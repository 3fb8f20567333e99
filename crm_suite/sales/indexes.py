"""Composite indexes the Sales reports need on large sites (single-column ones are `search_index` fields).

With them the Sales Funnel is two index-only GROUP BYs: leads by (creation, status) and opportunities by
(creation, status, sales_stage, amount). Added after every migrate; `add_index` skips existing ones.
"""

import frappe

INDEXES: dict[str, dict[str, list[str]]] = {
	"Lead": {
		"crm_lead_creation_status": ["creation", "status"],
		"crm_lead_source_status": ["source", "status"],
	},
	"Opportunity": {
		"crm_opp_creation_funnel": ["creation", "status", "sales_stage", "amount"],
		"crm_opp_status_funnel": ["status", "sales_stage", "amount"],
		"crm_opp_closed_on": ["closed_on", "status"],
	},
}


def add_indexes() -> None:
	for doctype, indexes in INDEXES.items():
		for name, columns in indexes.items():
			frappe.db.add_index(doctype, columns, name)
