"""Composite indexes the Sales reports need on large sites (single-column ones are `search_index` fields).

Each funnel query filters on a status list and a creation range and groups by status (and stage), so
the indexes lead with the optional equality filter (owner, source or campaign), then the grouped columns,
then creation, then the summed amount: the queries are index-only range scans read in group order (no
temporary table). Added when Lead/Opportunity are synced (on_doctype_update, so also on install) and
after every migrate; `add_index` skips existing ones.
"""

import frappe

FUNNEL_TAIL = {
	"Lead": ["status", "creation"],
	"Opportunity": ["status", "sales_stage", "creation", "base_amount"],
}
OWNER = {"Lead": "lead_owner", "Opportunity": "opportunity_owner"}
SHORT = {"Lead": "lead", "Opportunity": "opp"}

INDEXES: dict[str, dict[str, list[str]]] = {
	doctype: {
		f"crm_{SHORT[doctype]}_funnel": tail,
		f"crm_{SHORT[doctype]}_owner_funnel": [OWNER[doctype], *tail],
		f"crm_{SHORT[doctype]}_source_funnel": ["source", *tail],
		f"crm_{SHORT[doctype]}_campaign_funnel": ["campaign", *tail],
	}
	for doctype, tail in FUNNEL_TAIL.items()
}
INDEXES["Opportunity"]["crm_opp_closed_on"] = ["closed_on", "status"]
# Lead Conversion Time: opportunities with their lead and times, joined to the lead's times and filter
# columns, index-only on both sides (the report names them in FORCE INDEX)
INDEXES["Opportunity"]["crm_opp_lead_times"] = ["lead", "creation", "status", "closed_on"]
INDEXES["Lead"]["crm_lead_times"] = ["name", "creation", "source", "lead_owner", "campaign"]
# Duplicate check: contacts by email (Frappe's Contact Email has no index on it)
INDEXES["Contact Email"] = {"crm_contact_email_id": ["email_id"]}
# Lead Source Effectiveness: leads by source with their status and score, index-only
INDEXES["Lead"]["crm_lead_source_funnel"] = ["source", "status", "creation", "lead_score"]

# Replaced by the ones above (an early version of this module added them).
OBSOLETE = {
	"Lead": ["crm_lead_creation_status", "crm_lead_source_status"],
	"Opportunity": ["crm_opp_creation_funnel", "crm_opp_status_funnel"],
}


def index_columns(table: str, name: str) -> list[str]:
	return frappe.db.sql_list(
		"""select column_name from information_schema.statistics
		where table_schema = database() and table_name = %s and index_name = %s order by seq_in_index""",
		(table, name),
	)


def add_indexes() -> None:
	"""After every migrate (and from the Lead/Opportunity on_doctype_update, so new sites have them)."""
	for doctype in INDEXES:
		add_indexes_for(doctype)


def add_indexes_for(doctype: str) -> None:
	for name in OBSOLETE.get(doctype, []):
		if frappe.db.has_index(f"tab{doctype}", name):
			frappe.db.sql_ddl(f"alter table `tab{doctype}` drop index `{name}`")
	for name, columns in INDEXES[doctype].items():
		current = index_columns(f"tab{doctype}", name)
		if current and current != columns:  # its definition changed: rebuild it
			frappe.db.sql_ddl(f"alter table `tab{doctype}` drop index `{name}`")
		frappe.db.add_index(doctype, columns, name)
