"""One chronological timeline per Customer: Interactions, Communications, Opportunities, Tickets and orders.

`get_customer_timeline` runs a single UNION ALL over the sources, ordered by time, with LIMIT/OFFSET, so
a page costs one indexed query however long the history is.

Permissions are applied inside that query, so pages stay exact: a source the user may not read at all is
left out, and the rows of Interactions, Opportunities, Tickets and Sales Orders are limited to the records
`frappe.get_list` would list for the user (its own query, as a subquery: User Permissions,
`permission_query_conditions` hooks such as the Ticket portal rules, permission-query Server Scripts,
if-owner rules, shared documents). Communications follow the record they are on, as on Frappe's form
timeline: an email or interaction on a ticket, opportunity or lead shows only when the user may read that
record, however it reached the customer (Frappe links a contact's customer to every email the contact
sends). Entries on no record at all stay.
Sales Orders join in automatically once a "Sales Order" doctype with a `customer` field exists.
"""

import frappe
from frappe import _
from frappe.utils import cint

MAX_PAGE_LENGTH = 100
TOP_N_REACH = 2000
# Records an Interaction or a Communication can be on, that carry the customer, and that the user may be
# allowed to read or not: an entry on one of them shows only when the user may read that record.
CUSTOMER_RECORDS = ("Ticket", "Opportunity", "Lead")
# Records whose emails join the customer's timeline through their reference (besides the customer itself).
EMAIL_RECORDS = ("Ticket", "Opportunity")


def readable_names(doctype: str) -> str:
	"""SQL selecting the names of the `doctype` records the session user may read, built by `frappe.get_list`
	itself (User Permissions, permission_query_conditions hooks, permission-query Server Scripts, if-owner
	rules, shares); "" when no record-level rule applies to the user. No filters: the callers' own queries
	are scoped to the customer (a filter here would cost Frappe's filter parsing on every request).
	The caller has checked that the user may read `doctype` at all."""
	kw = {"fields": ["name"], "order_by": "", "limit_page_length": 0, "run": 0}
	readable = frappe.get_list(doctype, **kw)
	return "" if readable == frappe.get_all(doctype, **kw) else readable


def _first_field(meta, candidates: tuple[str, ...], default: str) -> str:
	return next((f for f in candidates if meta.has_field(f)), default)


def _source_queries(customer: str) -> dict[str, str]:
	"""doctype -> SELECT producing (doctype, name, timestamp, title, kind, status, amount, user), for the
	sources the session user may read.

	Table names are not aliased: Frappe's permission conditions name the tables (`tabTicket`.`field`)."""
	lit = frappe.db.escape(customer, percent=False)
	may_read: dict[str, bool] = {}
	rules: dict[str, str] = {}

	def readable(doctype: str) -> bool:
		if doctype not in may_read:
			may_read[doctype] = bool(frappe.has_permission(doctype, "read"))
		return may_read[doctype]

	def rule(doctype: str) -> str:
		"""The `doctype` records the user may read, as a subquery ("" when all of them)."""
		if doctype not in rules:
			rules[doctype] = readable_names(doctype)
		return rules[doctype]

	def only_readable(table: str) -> str:
		"""Conditions on `table` (Interaction or Communication) keeping its rows that are on a ticket,
		opportunity or lead only when the user may read that record. `ifnull`: rows on no record stay."""
		conditions = []
		for doctype in CUSTOMER_RECORDS:
			other = f"ifnull({table}.reference_doctype, '') != '{doctype}'"
			if not readable(doctype):
				conditions.append(f" and {other}")
			elif rule(doctype):
				conditions.append(f" and ({other} or {table}.reference_name in ({rule(doctype)}))")
		return "".join(conditions)

	def own_rule(doctype: str, table: str) -> str:
		conditions = rule(doctype)
		return f" and {table}.name in ({conditions})" if conditions else ""

	queries = {}
	if readable("Interaction"):
		queries["Interaction"] = f"""
			select 'Interaction' as doctype, `tabInteraction`.name, `tabInteraction`.interaction_time as timestamp,
				`tabInteraction`.subject as title, `tabInteraction`.channel as kind,
				concat_ws(' · ', `tabInteraction`.direction, nullif(`tabInteraction`.outcome, '')) as status,
				`tabInteraction`.duration as amount, `tabInteraction`.agent as user
			from `tabInteraction` where `tabInteraction`.customer = {lit}
				{own_rule("Interaction", "`tabInteraction`")}{only_readable("`tabInteraction`")}"""
	if readable("Communication"):
		# emails on the customer, linked to it (Frappe links a contact's customer to every email the contact
		# sends, whatever it is on), or on one of its tickets / opportunities the user may read
		on_records = "".join(
			f"""
				or (`tabCommunication`.reference_doctype = '{doctype}' and `tabCommunication`.reference_name in
					(select name from `tab{doctype}` where customer = {lit}))"""
			for doctype in EMAIL_RECORDS
			if readable(doctype)
		)
		queries["Communication"] = f"""
			select 'Communication', `tabCommunication`.name, `tabCommunication`.communication_date,
				`tabCommunication`.subject, `tabCommunication`.communication_medium,
				`tabCommunication`.sent_or_received, null, `tabCommunication`.sender
			from `tabCommunication`
			where `tabCommunication`.communication_type = 'Communication' and (
				(`tabCommunication`.reference_doctype = 'Customer' and `tabCommunication`.reference_name = {lit})
				or `tabCommunication`.name in (select cl.parent from `tabCommunication Link` cl
					where cl.link_doctype = 'Customer' and cl.link_name = {lit}){on_records})
				{only_readable("`tabCommunication`")}"""
	if readable("Opportunity"):
		queries["Opportunity"] = f"""
			select 'Opportunity', `tabOpportunity`.name, `tabOpportunity`.creation, `tabOpportunity`.title,
				`tabOpportunity`.sales_stage, `tabOpportunity`.status, `tabOpportunity`.amount,
				`tabOpportunity`.opportunity_owner
			from `tabOpportunity` where `tabOpportunity`.customer = {lit}{own_rule("Opportunity", "`tabOpportunity`")}"""
	if readable("Ticket"):
		queries["Ticket"] = f"""
			select 'Ticket', `tabTicket`.name, coalesce(`tabTicket`.opening_date, `tabTicket`.creation),
				`tabTicket`.subject, `tabTicket`.priority, `tabTicket`.status, null, `tabTicket`.agent
			from `tabTicket` where `tabTicket`.customer = {lit}{own_rule("Ticket", "`tabTicket`")}"""
	if frappe.db.exists("DocType", "Sales Order") and readable("Sales Order"):
		meta = frappe.get_meta("Sales Order")
		if meta.has_field("customer"):
			so = "`tabSales Order`"
			date = _first_field(meta, ("transaction_date", "order_date", "posting_date"), "creation")
			amount = _first_field(meta, ("grand_total", "total_amount", "total", "amount"), "")
			status = _first_field(meta, ("status",), "")
			queries["Sales Order"] = f"""
			select 'Sales Order', {so}.name, {so}.`{date}`, {so}.name, 'Order',
				{f"{so}.`{status}`" if status else "null"}, {f"{so}.`{amount}`" if amount else "null"}, {so}.owner
			from {so} where {so}.customer = {lit} and {so}.docstatus < 2{own_rule("Sales Order", so)}"""
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

	parts = list(_source_queries(customer).values())
	if not parts:
		return {"items": [], "start": start, "page_length": page_length, "has_more": False}
	# For the pages people read (the first few thousand rows) each source contributes only the rows the page
	# can reach, its own top-N by time from the (customer, time) index, so the outer sort stays small. Deep
	# pages sort the whole union once instead (a top-N per source costs more there than it saves).
	reach = start + page_length + 1
	if reach <= TOP_N_REACH:
		parts = [f"({sql}\n\t\t\torder by 3 desc, 2 desc limit {reach})" for sql in parts]
	union = "\nunion all\n".join(parts)
	# Raw SQL: a UNION ALL of frappe.get_list queries, paged as one. No query parameters: the values are escaped literals, as in frappe.get_list, so a `%` in a
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
