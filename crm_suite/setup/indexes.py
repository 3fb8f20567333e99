"""Every composite and unique index the app declares, in one registry keyed by DocType.

Single-column indexes are `search_index` fields in the DocType JSON (Frappe's way); the only one here is on
Frappe's own Contact Email, whose JSON is not ours. `apply()` runs after install and after every migrate;
each listed DocType of the app also calls `apply(doctype)` from its `on_doctype_update`, because Frappe's
table sync drops an index whose first column is a field without `search_index` when it alters the table.

`apply` reads the table's indexes with SHOW INDEX (this site's table only), drops the obsolete ones and the
ones whose columns changed, and adds the missing ones in one ALTER per table, so it can run any number of
times.
"""

from typing import NamedTuple

import frappe


class Index(NamedTuple):
	name: str
	columns: tuple[str, ...]
	unique: bool = False


def index(name: str, *columns: str) -> Index:
	return Index(name, columns)


def unique(name: str, *columns: str) -> Index:
	return Index(name, columns, unique=True)


# The Sales funnel queries filter on a status list and a creation range and group by status (and stage), so
# their indexes lead with the optional equality filter, then the grouped columns, then creation, then the
# summed amount: index-only range scans read in group order (crm_suite/sales/report/*).
INDEXES: dict[str, list[Index]] = {
	"Lead": [
		index("crm_lead_funnel", "status", "creation"),  # Sales Funnel, no filter
		index("crm_lead_owner_funnel", "lead_owner", "status", "creation"),  # Sales Funnel by owner
		index("crm_lead_campaign_funnel", "campaign", "status", "creation"),  # Sales Funnel by campaign
		# Sales Funnel by source and Lead Source Effectiveness (leads by source with status and score)
		index("crm_lead_source_funnel", "source", "status", "creation", "lead_score"),
		# Lead Conversion Time: the lead side of the join, index-only (named in its FORCE INDEX)
		index("crm_lead_times", "name", "creation", "source", "lead_owner", "campaign"),
	],
	"Opportunity": [
		index("crm_opp_funnel", "status", "sales_stage", "creation", "base_amount"),  # Sales Funnel
		index(
			"crm_opp_owner_funnel", "opportunity_owner", "status", "sales_stage", "creation", "base_amount"
		),
		index("crm_opp_source_funnel", "source", "status", "sales_stage", "creation", "base_amount"),
		index("crm_opp_campaign_funnel", "campaign", "status", "sales_stage", "creation", "base_amount"),
		index("crm_opp_closed_on", "closed_on", "status"),  # Win/Loss Analysis: closed opportunities by date
		# Lead Conversion Time: the opportunity side of the join, index-only (named in its FORCE INDEX)
		index("crm_opp_lead_times", "lead", "creation", "status", "closed_on"),
	],
	# The import pass's report of a refused merge finds the lead's row by docname (Frappe's Data Import Log
	# has no index on it: a full scan per lead of a table of millions of rows after big imports)
	"Data Import Log": [index("crm_import_log_docname", "docname", "success")],
	# Duplicate check: contacts by email (Frappe's Contact Email has no index on it)
	"Contact Email": [index("crm_contact_email_id", "email_id")],
	"Customer": [
		index("account_manager_disabled_index", "account_manager", "disabled"),  # My Day: a user's customers
	],
	"Ticket": [
		# check_sla's UPDATE and candidates, auto-close, backlog aging
		index("status_agreement_status_index", "status", "agreement_status"),
		index("agreement_status_opening_date_index", "agreement_status", "opening_date"),  # SLA Compliance
		index("agent_status_index", "agent", "status"),  # My Day: the agent's running tickets
	],
	"Interaction": [
		index("customer_interaction_time_index", "customer", "interaction_time"),  # customer timeline
		index("lead_interaction_time_index", "lead", "interaction_time"),  # lead timeline
		index(
			"agent_call_status_interaction_time_index", "agent", "call_status", "interaction_time"
		),  # missed calls
		# the form timeline of a ticket or opportunity
		index("reference_doctype_reference_name_index", "reference_doctype", "reference_name"),
	],
	"CRM Activity": [
		index("assigned_to_status_due_on_index", "assigned_to", "status", "due_on"),  # My Day, the digest
		# a record's next activity
		index(
			"reference_doctype_reference_name_status_due_on_index",
			"reference_doctype",
			"reference_name",
			"status",
			"due_on",
		),
		index("status_due_on_index", "status", "due_on"),  # reminders
		index("due_on_ends_on_index", "due_on", "ends_on"),  # the calendar's time range
	],
	"Stage History": [
		# a record's open stay (left_on null)
		index(
			"reference_doctype_reference_name_left_on_index", "reference_doctype", "reference_name", "left_on"
		),
		index("reference_doctype_entered_on_index", "reference_doctype", "entered_on"),  # Stage Velocity
	],
	"Sales Order": [
		# covering index of the RFM and cohort queries: they read only these columns, grouped by customer
		index(
			"customer_date_total",
			"customer",
			"transaction_date",
			"base_grand_total",
			"docstatus",
			"is_return",
		),
	],
	"Sales Order Item": [index("parent_product", "parent", "product")],  # basket: an order's lines by product
	# one rate per currency pair and day
	"Exchange Rate": [unique("pair_date", "from_currency", "to_currency", "date")],
	# one digest per user and day
	"Activity Digest Log": [unique("crm_digest_user_date", "user", "digest_date")],
	# one consent per number and channel (crm_suite.crm.messaging.set_consent updates it in place)
	"Channel Consent": [unique("unique_phone_channel", "phone", "channel")],
	# each campaign step reaches each recipient once: a second row for the same address is refused
	"Campaign Send Log": [
		unique("unique_campaign_step_recipient", "campaign", "schedule_step", "recipient"),
	],
}

# Replaced by the ones above; dropped where they still exist.
OBSOLETE: dict[str, list[str]] = {
	"Lead": ["crm_lead_creation_status", "crm_lead_source_status"],
	"Opportunity": ["crm_opp_creation_funnel", "crm_opp_status_funnel"],
}


def indexes_on_site(doctype: str) -> dict[str, Index]:
	"""The table's indexes as they are (SHOW INDEX reads this site's table, not another site's)."""
	found: dict[str, Index] = {}
	# raw SQL: SHOW INDEX and ALTER TABLE are statements frappe.qb doesn't build
	for row in frappe.db.sql(f"show index from `tab{doctype}`", as_dict=True):
		current = found.get(row.Key_name)
		columns = (*current.columns, row.Column_name) if current else (row.Column_name,)
		found[row.Key_name] = Index(row.Key_name, columns, unique=not int(row.Non_unique))
	return found


def apply(doctype: str | None = None) -> None:
	"""Make the declared indexes of one DocType (or of all): after install and migrate, on_doctype_update."""
	for name in [doctype] if doctype else INDEXES:
		if frappe.db.table_exists(name):
			apply_to_table(name)


def apply_to_table(doctype: str) -> None:
	on_site = indexes_on_site(doctype)
	changes = [f"drop index `{name}`" for name in OBSOLETE.get(doctype, []) if name in on_site]
	for declared in INDEXES.get(doctype, []):
		current = on_site.get(declared.name)
		if current == declared:
			continue
		if current:  # its definition changed: rebuild it
			changes.append(f"drop index `{declared.name}`")
		columns = ", ".join(f"`{column}`" for column in declared.columns)
		kind = "unique index" if declared.unique else "index"
		changes.append(f"add {kind} `{declared.name}` ({columns})")
	if changes:
		frappe.db.sql_ddl(f"alter table `tab{doctype}` {', '.join(changes)}")
