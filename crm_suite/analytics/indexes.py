"""The index the RFM Segmentation report reads (added after every migrate and on install; rebuilt when its
columns change).

`crm_rfm_report` leads with the segment, then every column the report sums, averages or filters on, and
the permission columns a User Permission on Customer usually names (territory, customer group; the name
is in every InnoDB secondary index): the summary is one index-only scan read in segment order, for an
unrestricted user and for one under such a rule alike, and a drill-down reads its segment by monetary
value. It costs the nightly RFM write-back, which rewrites these columns of every customer, about 2 s on
100k customers (docs/analytics.md)."""

import frappe

INDEXES = {
	"Customer": {
		"crm_rfm_report": [
			"rfm_segment",
			"monetary",
			"recency_days",
			"frequency",
			"churn_risk",
			"clv_estimate",
			"loyalty_tier",
			"territory",
			"customer_group",
		]
	}
}


def add_indexes() -> None:
	from crm_suite.sales.indexes import index_columns

	for doctype, indexes in INDEXES.items():
		if not frappe.db.table_exists(doctype):
			continue
		for name, columns in indexes.items():
			current = index_columns(f"tab{doctype}", name)
			if current and current != columns:  # its definition changed: rebuild it
				frappe.db.sql_ddl(f"alter table `tab{doctype}` drop index `{name}`")
			frappe.db.add_index(doctype, columns, name)
