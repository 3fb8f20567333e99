"""One chronological timeline per Customer: Interactions, Communications, Opportunities, Tickets and orders.

`get_customer_timeline` runs a single UNION ALL over the sources, ordered by time, with LIMIT/OFFSET, so
a page costs one indexed query however long the history is. Sources the user may not read are left out.
Sales Orders join in automatically once a "Sales Order" doctype with a `customer` field exists.
"""

import frappe
from frappe import _
from frappe.utils import cint

MAX_PAGE_LENGTH = 100
TOP_N_REACH = 2000


def _first_field(meta, candidates: tuple[str, ...], default: str) -> str:
	return next((f for f in candidates if meta.has_field(f)), default)


def _communication_on(doctype: str) -> str:
	"""Emails on the customer's tickets / opportunities, when the user may read those."""
	if not frappe.has_permission(doctype, "read"):
		return ""
	table = f"`tab{doctype}`"
	return f"""or (c.reference_doctype = '{doctype}' and c.reference_name in
					(select r.name from {table} r where r.customer = %(customer)s))"""


def _source_queries() -> dict[str, str]:
	"""doctype -> SELECT producing (doctype, name, timestamp, title, kind, status, amount, user)."""
	queries = {
		"Interaction": """
			select 'Interaction' as doctype, i.name, i.interaction_time as timestamp, i.subject as title,
				i.channel as kind, concat_ws(' · ', i.direction, nullif(i.outcome, '')) as status,
				i.duration as amount, i.agent as user
			from `tabInteraction` i where i.customer = %(customer)s""",
		"Communication": f"""
			select 'Communication', c.name, c.communication_date, c.subject, c.communication_medium,
				c.sent_or_received, null, c.sender
			from `tabCommunication` c
			where c.communication_type = 'Communication' and (
				(c.reference_doctype = 'Customer' and c.reference_name = %(customer)s)
				or c.name in (select cl.parent from `tabCommunication Link` cl
					where cl.link_doctype = 'Customer' and cl.link_name = %(customer)s)
				{_communication_on("Ticket")}
				{_communication_on("Opportunity")})""",
		"Opportunity": """
			select 'Opportunity', o.name, o.creation, o.title, o.sales_stage, o.status, o.amount,
				o.opportunity_owner
			from `tabOpportunity` o where o.customer = %(customer)s""",
		"Ticket": """
			select 'Ticket', t.name, coalesce(t.opening_date, t.creation), t.subject, t.priority, t.status,
				null, t.agent
			from `tabTicket` t where t.customer = %(customer)s""",
	}
	if frappe.db.exists("DocType", "Sales Order"):
		meta = frappe.get_meta("Sales Order")
		if meta.has_field("customer"):
			date = _first_field(meta, ("transaction_date", "order_date", "posting_date"), "creation")
			amount = _first_field(meta, ("grand_total", "total_amount", "total", "amount"), "")
			status = _first_field(meta, ("status",), "")
			queries["Sales Order"] = f"""
			select 'Sales Order', so.name, so.`{date}`, so.name, 'Order', {f"so.`{status}`" if status else "null"},
				{f"so.`{amount}`" if amount else "null"}, so.owner
			from `tabSales Order` so where so.customer = %(customer)s and so.docstatus < 2"""
	return queries


@frappe.whitelist()
def get_customer_timeline(customer: str, start: int = 0, page_length: int = 20) -> dict:
	"""A page of a customer's timeline, newest first.

	Returns {"items": [{doctype, name, timestamp, title, kind, status, amount, user}], "start",
	"page_length", "has_more"}.
	"""
	if not customer or not frappe.db.exists("Customer", customer):
		frappe.throw(_("Customer {0} not found.").format(customer), frappe.DoesNotExistError)
	frappe.has_permission("Customer", "read", doc=customer, throw=True)
	start = max(cint(start), 0)
	page_length = min(max(cint(page_length) or 20, 1), MAX_PAGE_LENGTH)

	parts = [sql for doctype, sql in _source_queries().items() if frappe.has_permission(doctype, "read")]
	if not parts:
		return {"items": [], "start": start, "page_length": page_length, "has_more": False}
	# For the pages people read (the first few thousand rows) each source contributes only the rows the page
	# can reach, its own top-N by time from the (customer, time) index, so the outer sort stays small. Deep
	# pages sort the whole union once instead (a top-N per source costs more there than it saves).
	reach = start + page_length + 1
	if reach <= TOP_N_REACH:
		parts = [f"({sql}\n\t\t\torder by 3 desc, 2 desc limit %(reach)s)" for sql in parts]
	union = "\nunion all\n".join(parts)
	rows = frappe.db.sql(
		f"""select * from ({union}) as timeline
		order by timestamp desc, doctype, name desc
		limit %(limit)s offset %(offset)s""",
		{"customer": customer, "limit": page_length + 1, "offset": start, "reach": reach},
		as_dict=True,
	)
	return {
		"items": rows[:page_length],
		"start": start,
		"page_length": page_length,
		"has_more": len(rows) > page_length,
	}
