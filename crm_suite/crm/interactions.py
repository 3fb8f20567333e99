"""Interactions: every contact a customer has with the business, on any channel.

An Interaction links to one Lead, Customer, Opportunity or Ticket (reference_doctype / reference_name);
its `customer` (and `lead`) are derived from that link so the customer timeline reads one indexed column.
"""

import frappe
from frappe import _

from crm_suite.utils.validation import validate_non_negative

LINKABLE_DOCTYPES = ("Lead", "Customer", "Opportunity", "Ticket")


def derive_links(reference_doctype: str | None, reference_name: str | None) -> dict:
	"""{"customer": ..., "lead": ...} implied by the linked document."""
	if not reference_doctype or not reference_name:
		return {}
	if reference_doctype == "Customer":
		return {"customer": reference_name}
	if reference_doctype == "Lead":
		customer = frappe.db.get_value("Lead", reference_name, "customer")
		return {"lead": reference_name, "customer": customer}
	if reference_doctype == "Opportunity":
		row = frappe.db.get_value("Opportunity", reference_name, ["customer", "lead"], as_dict=True) or {}
		return {"customer": row.get("customer"), "lead": row.get("lead")}
	if reference_doctype == "Ticket":
		return {"customer": frappe.db.get_value("Ticket", reference_name, "customer")}
	return {}


def validate_interaction(doc) -> None:
	if bool(doc.reference_doctype) != bool(doc.reference_name):
		frappe.throw(
			_("Give both the linked document type and the linked document, or neither."),
			title=_("Incomplete Link"),
		)
	if doc.reference_doctype and doc.reference_doctype not in LINKABLE_DOCTYPES:
		frappe.throw(
			_("An interaction can be linked to {0}, not to {1}.").format(
				", ".join(_(d) for d in LINKABLE_DOCTYPES), _(doc.reference_doctype)
			),
			title=_("Invalid Link"),
		)
	validate_non_negative(doc.duration, "Duration")
	for key, value in derive_links(doc.reference_doctype, doc.reference_name).items():
		if value:
			doc.set(key, value)
	if not doc.subject:
		doc.subject = f"{_(doc.direction)} {_(doc.channel)}"
