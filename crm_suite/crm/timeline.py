"""One chronological timeline per Customer: Interactions, Communications, Opportunities, Tickets and orders.

`get_customer_timeline` runs a single UNION ALL over the sources, ordered by time, with LIMIT/OFFSET, so
a page costs one indexed query however long the history is.

Permissions are applied inside that query, so pages stay exact: a source the user may not read at all is
left out, and the rows of Interactions, Opportunities, Tickets and Sales Orders are filtered by the same
record-level rules `frappe.get_list` applies (User Permissions, `permission_query_conditions` hooks such as
the Ticket portal rules, permission-query Server Scripts, if-owner rules, shared documents).
Communications follow the record they are on, as on Frappe's form timeline; emails and interactions on a
ticket or opportunity show only when the user may read that ticket or opportunity.
Sales Orders join in automatically once a "Sales Order" doctype with a `customer` field exists.
"""

import frappe
from frappe import _
from frappe.model.db_query import DatabaseQuery
from frappe.utils import cint

MAX_PAGE_LENGTH = 100
TOP_N_REACH = 2000
# Records an Interaction or a Communication can be on that the user may be allowed to see or not.
CUSTOMER_RECORDS = ("Ticket", "Opportunity")
NOTHING = "false"


def read_conditions(doctype: str) -> str:
	"""The record-level read rules `frappe.get_list` adds for the session user, as SQL on `tab{doctype}`
	("" when there are none). Frappe's own builder, so its User Permission and hook semantics hold."""
	query = DatabaseQuery(doctype)
	query.tables = [f"`tab{doctype}`"]
	match = query.build_match_conditions()
	# a user who may read only what was shared with them gets that as a plain condition
	return " and ".join(f"({c})" for c in (*query.conditions, match) if c)


def _and(conditions: str) -> str:
	return f" and {conditions}" if conditions else ""


def _first_field(meta, candidates: tuple[str, ...], default: str) -> str:
	return next((f for f in candidates if meta.has_field(f)), default)


def _source_queries(customer: str) -> dict[str, str]:
	"""doctype -> SELECT producing (doctype, name, timestamp, title, kind, status, amount, user).

	`customer` is an escaped SQL literal. Table names are not aliased: Frappe's permission conditions
	name the tables (`tabTicket`.`field`)."""
	rules: dict[str, str] = {}

	def rule(doctype: str) -> str:
		"""The user's read conditions on `doctype` ("false" when they may not read it at all)."""
		if doctype not in rules:
			rules[doctype] = read_conditions(doctype) if frappe.has_permission(doctype, "read") else NOTHING
		return rules[doctype]

	def readable_records(doctype: str) -> str:
		"""A subquery of the customer's `doctype` records the user may read."""
		table = f"`tab{doctype}`"
		return f"(select {table}.name from {table} where {table}.customer = {customer}{_and(rule(doctype))})"

	# interactions and emails on a ticket / opportunity show only when the user may read that record
	interaction_on = "".join(
		f""" and (`tabInteraction`.reference_doctype != '{doctype}'
					or `tabInteraction`.reference_name in {readable_records(doctype)})"""
		for doctype in CUSTOMER_RECORDS
		if rule(doctype)
	)
	communication_on = "".join(
		f"""
				or (`tabCommunication`.reference_doctype = '{doctype}'
					and `tabCommunication`.reference_name in {readable_records(doctype)})"""
		for doctype in CUSTOMER_RECORDS
		if rule(doctype) != NOTHING
	)
	queries = {
		"Interaction": f"""
			select 'Interaction' as doctype, `tabInteraction`.name, `tabInteraction`.interaction_time as timestamp,
				`tabInteraction`.subject as title, `tabInteraction`.channel as kind,
				concat_ws(' · ', `tabInteraction`.direction, nullif(`tabInteraction`.outcome, '')) as status,
				`tabInteraction`.duration as amount, `tabInteraction`.agent as user
			from `tabInteraction` where `tabInteraction`.customer = {customer}
				{_and(rule("Interaction"))}{interaction_on}""",
		"Communication": f"""
			select 'Communication', `tabCommunication`.name, `tabCommunication`.communication_date,
				`tabCommunication`.subject, `tabCommunication`.communication_medium,
				`tabCommunication`.sent_or_received, null, `tabCommunication`.sender
			from `tabCommunication`
			where `tabCommunication`.communication_type = 'Communication' and (
				(`tabCommunication`.reference_doctype = 'Customer' and `tabCommunication`.reference_name = {customer})
				or `tabCommunication`.name in (select cl.parent from `tabCommunication Link` cl
					where cl.link_doctype = 'Customer' and cl.link_name = {customer})
				{communication_on})""",
		"Opportunity": f"""
			select 'Opportunity', `tabOpportunity`.name, `tabOpportunity`.creation, `tabOpportunity`.title,
				`tabOpportunity`.sales_stage, `tabOpportunity`.status, `tabOpportunity`.amount,
				`tabOpportunity`.opportunity_owner
			from `tabOpportunity` where `tabOpportunity`.customer = {customer}{_and(rule("Opportunity"))}""",
		"Ticket": f"""
			select 'Ticket', `tabTicket`.name, coalesce(`tabTicket`.opening_date, `tabTicket`.creation),
				`tabTicket`.subject, `tabTicket`.priority, `tabTicket`.status, null, `tabTicket`.agent
			from `tabTicket` where `tabTicket`.customer = {customer}{_and(rule("Ticket"))}""",
	}
	if frappe.db.exists("DocType", "Sales Order"):
		meta = frappe.get_meta("Sales Order")
		if meta.has_field("customer"):
			so = "`tabSales Order`"
			date = _first_field(meta, ("transaction_date", "order_date", "posting_date"), "creation")
			amount = _first_field(meta, ("grand_total", "total_amount", "total", "amount"), "")
			status = _first_field(meta, ("status",), "")
			queries["Sales Order"] = f"""
			select 'Sales Order', {so}.name, {so}.`{date}`, {so}.name, 'Order',
				{f"{so}.`{status}`" if status else "null"}, {f"{so}.`{amount}`" if amount else "null"}, {so}.owner
			from {so} where {so}.customer = {customer} and {so}.docstatus < 2{_and(rule("Sales Order"))}"""
	return queries


@frappe.whitelist()
def get_customer_timeline(customer: str, start: int = 0, page_length: int = 20) -> dict:
	"""A page of a customer's timeline, newest first, of the entries the user may read.

	Returns {"items": [{doctype, name, timestamp, title, kind, status, amount, user}], "start",
	"page_length", "has_more"}.
	"""
	if not customer or not frappe.db.exists("Customer", customer):
		frappe.throw(_("Customer {0} not found.").format(customer), frappe.DoesNotExistError)
	frappe.has_permission("Customer", "read", doc=customer, throw=True)
	start = max(cint(start), 0)
	page_length = min(max(cint(page_length) or 20, 1), MAX_PAGE_LENGTH)

	sources = _source_queries(frappe.db.escape(customer, percent=False))
	parts = [sql for doctype, sql in sources.items() if frappe.has_permission(doctype, "read")]
	if not parts:
		return {"items": [], "start": start, "page_length": page_length, "has_more": False}
	# For the pages people read (the first few thousand rows) each source contributes only the rows the page
	# can reach, its own top-N by time from the (customer, time) index, so the outer sort stays small. Deep
	# pages sort the whole union once instead (a top-N per source costs more there than it saves).
	reach = start + page_length + 1
	if reach <= TOP_N_REACH:
		parts = [f"({sql}\n\t\t\torder by 3 desc, 2 desc limit {reach})" for sql in parts]
	union = "\nunion all\n".join(parts)
	# No query parameters: the values are escaped literals, as in frappe.get_list, so a `%` in a
	# permission condition stays as Frappe wrote it.
	rows = frappe.db.sql(
		f"""select * from ({union}) as timeline
		order by timestamp desc, doctype, name desc
		limit {page_length + 1} offset {start}""",
		as_dict=True,
	)
	return {
		"items": rows[:page_length],
		"start": start,
		"page_length": page_length,
		"has_more": len(rows) > page_length,
	}
