"""Converting a Lead: a Customer with a Contact and an Address from the lead's data, and optionally an
Opportunity, all mapped with `frappe.model.mapper.get_mapped_doc`.

- If the lead's email already belongs to a Customer (or to a Contact linked to one), the lead is linked to
  that customer and no second customer is created.
- Converting a converted lead returns what it was converted into and creates nothing.
- Unqualified (and merged) leads are refused before anything is written.
- Who may convert is what the active Lead workflow says: a transition from the lead's state to
  "Converted" allowed to one of the user's roles (the shipped workflow allows Sales User, Sales Manager
  and CRM Manager). The transitions carry the condition `doc.customer`, so the workflow's own action menu
  never offers "Convert" on an unconverted lead: the status only changes through this module, which
  links the customer first and then saves the status change through the workflow's normal validation.
"""

import frappe
from frappe import _
from frappe.model.mapper import get_mapped_doc
from frappe.model.workflow import get_workflow_name
from frappe.utils import now_datetime

from crm_suite.utils.contact_details import normalise_email

OPEN_STATES = ("New", "Contacted", "Qualified")
CONVERTED = "Converted"


def validate_status(lead) -> None:
	"""Lead.validate: Converted always means linked to a customer (set through convert_lead)."""
	if lead.status == CONVERTED and not lead.customer:
		frappe.throw(
			_("Use the Convert action to convert a lead: it creates the customer the lead becomes."),
			title=_("Not Converted"),
		)
	if lead.status == CONVERTED and not lead.converted_on:
		lead.converted_on = now_datetime()


def may_convert(lead, user: str | None = None) -> bool:
	"""Whether `user` may convert `lead`: write permission on it, and (when a Lead workflow is active) a
	transition from its state to Converted allowed to one of the user's roles."""
	user = user or frappe.session.user
	if not frappe.has_permission("Lead", "write", lead, user=user):
		return False
	workflow_name = get_workflow_name("Lead")
	if not workflow_name:
		return True
	roles = set(frappe.get_roles(user))
	workflow = frappe.get_cached_doc("Workflow", workflow_name)
	return any(
		t.state == lead.status and t.next_state == CONVERTED and t.allowed in roles
		for t in workflow.transitions
	)


def check_convertible(lead) -> None:
	if lead.merged_into:
		frappe.throw(
			_("Lead {0} was merged into {1}; convert that lead instead.").format(lead.name, lead.merged_into),
			title=_("Cannot Convert"),
		)
	if lead.status == "Unqualified":
		frappe.throw(
			_("Lead {0} is Unqualified and cannot be converted. Re-open it first.").format(lead.name),
			title=_("Cannot Convert"),
		)
	if lead.status not in OPEN_STATES:
		frappe.throw(_("A {0} lead cannot be converted.").format(_(lead.status)), title=_("Cannot Convert"))
	if not may_convert(lead):
		frappe.throw(
			_("You are not allowed to convert lead {0} in state {1}.").format(lead.name, _(lead.status)),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)


@frappe.whitelist(methods=["POST"])
def convert_lead(lead: str, create_opportunity: bool | int | str = 0) -> dict:
	"""Convert a lead; returns the names of its customer, contact, address and opportunity."""
	create_opportunity = frappe.utils.sbool(create_opportunity) in (True, 1, "1")
	if not lead or not frappe.db.exists("Lead", lead):
		frappe.throw(
			_("Lead {0} does not exist.").format(lead), frappe.DoesNotExistError, title=_("Cannot Convert")
		)
	frappe.db.get_value("Lead", lead, "name", for_update=True)  # one conversion at a time per lead
	doc = frappe.get_doc("Lead", lead)
	# role permissions, User Permissions (e.g. a Territory) and the own-records rule (sales/visibility.py)
	if not frappe.has_permission("Lead", "read", doc):
		frappe.throw(
			_("You are not permitted to convert lead {0}.").format(lead),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)

	if doc.status == CONVERTED:
		return result(doc)
	check_convertible(doc)

	customer = existing_customer(doc.email_id)
	contact = existing_contact(doc.email_id)
	if not customer and contact:
		customer = linked_customer(contact)
	if not customer:
		customer = make_customer(doc).name
	if contact:
		link_contact(contact, customer)
	else:
		contact = make_contact(doc, customer).name
	address = make_address(doc, customer)
	opportunity = make_opportunity(doc, customer).name if create_opportunity else None

	# Link first (without touching `modified`), then change the status through a normal save: the
	# workflow validates Open -> Converted against the saved lead, whose transition condition is
	# `doc.customer`.
	values = {"customer": customer}
	if opportunity:
		values["opportunity"] = opportunity
	frappe.db.set_value("Lead", doc.name, values, update_modified=False)
	doc = frappe.get_doc("Lead", doc.name)
	doc.status = CONVERTED
	doc.converted_on = now_datetime()
	doc.flags.ignore_permissions = True  # checked in check_convertible
	doc.save()
	doc.add_comment("Info", _("Converted to customer {0}.").format(customer))
	return result(doc, contact=contact, address=address)


def result(lead, contact: str | None = None, address: str | None = None) -> dict:
	if lead.customer and not contact:
		contact = frappe.db.get_value(
			"Dynamic Link",
			{"parenttype": "Contact", "link_doctype": "Customer", "link_name": lead.customer},
			"parent",
		)
	return {
		"lead": lead.name,
		"status": lead.status,
		"customer": lead.customer,
		"contact": contact,
		"address": address,
		"opportunity": lead.opportunity,
	}


def existing_customer(email: str | None) -> str | None:
	email = normalise_email(email)
	if not email:
		return None
	return frappe.db.get_value(
		"Customer", {"email_id": email, "disabled": 0}, "name", order_by="creation asc"
	)


def existing_contact(email: str | None) -> str | None:
	email = normalise_email(email)
	if not email:
		return None
	contact_email = frappe.qb.DocType("Contact Email")
	rows = (
		frappe.qb.from_(contact_email)
		.select(contact_email.parent)
		.where((contact_email.parenttype == "Contact") & (contact_email.email_id == email))
		.orderby(contact_email.creation)
		.limit(1)
		.run()
	)
	return rows[0][0] if rows else None


def linked_customer(contact: str) -> str | None:
	return frappe.db.get_value(
		"Dynamic Link",
		{"parenttype": "Contact", "parent": contact, "link_doctype": "Customer"},
		"link_name",
		order_by="idx asc",
	)


def link_contact(contact: str, customer: str) -> None:
	if not frappe.db.exists(
		"Dynamic Link",
		{"parenttype": "Contact", "parent": contact, "link_doctype": "Customer", "link_name": customer},
	):
		doc = frappe.get_doc("Contact", contact)
		doc.append("links", {"link_doctype": "Customer", "link_name": customer})
		doc.save()


def _from_lead(lead, doctype: str, postprocess, no_map: list[str], field_map: dict | None = None):
	"""A new `doctype` mapped from the lead by Frappe's mapper; `no_map`: the Lead fields not copied."""
	table = {"doctype": doctype, "field_no_map": no_map}
	if field_map:
		table["field_map"] = field_map
	return get_mapped_doc("Lead", lead.name, {"Lead": table}, postprocess=postprocess)


def make_customer(lead):
	def postprocess(source, target):
		target.customer_name = source.company_name or source.lead_name
		target.customer_type = "Company" if source.company_name else "Individual"
		group = "Commercial" if source.company_name else "Individual"
		if not target.customer_group and frappe.db.exists("Customer Group", group):
			target.customer_group = group
		target.account_manager = source.lead_owner if valid_user(source.lead_owner) else None

	customer = _from_lead(lead, "Customer", postprocess, ["naming_series", "image"], {"name": "lead"})
	customer.insert()
	return customer


def make_contact(lead, customer: str):
	def postprocess(source, target):
		if source.email_id:
			target.append("email_ids", {"email_id": source.email_id, "is_primary": 1})
		if source.phone:
			target.append("phone_nos", {"phone": source.phone, "is_primary_phone": 1})
		if source.mobile_no:
			target.append("phone_nos", {"phone": source.mobile_no, "is_primary_mobile_no": 1})
		target.first_name = source.first_name or source.lead_name
		target.append("links", {"link_doctype": "Customer", "link_name": customer})
		target.append("links", {"link_doctype": "Lead", "link_name": source.name})

	contact = _from_lead(
		lead,
		"Contact",
		postprocess,
		["status", "email_id", "phone", "mobile_no", "image", "naming_series", "notes"],
		{"job_title": "designation"},
	)
	contact.insert()
	return contact


def make_address(lead, customer: str) -> str | None:
	"""An address when the lead has a street and city and the customer has no address with that street."""
	if not (lead.address_line1 and lead.city):
		return None
	address, link = frappe.qb.DocType("Address"), frappe.qb.DocType("Dynamic Link")
	existing = (
		frappe.qb.from_(address)
		.join(link)
		.on(
			(link.parent == address.name)
			& (link.parenttype == "Address")
			& (link.link_doctype == "Customer")
			& (link.link_name == customer)
		)
		.select(address.name)
		.where(address.address_line1 == lead.address_line1)
		.limit(1)
		.run()
	)
	if existing:
		return existing[0][0]

	def postprocess(source, target):
		target.address_title = source.company_name or source.lead_name
		target.address_type = "Billing"
		target.country = source.country or frappe.db.get_default("country")
		target.email_id = source.email_id
		target.append("links", {"link_doctype": "Customer", "link_name": customer})

	address = _from_lead(
		lead, "Address", postprocess, ["status", "image", "naming_series", "notes", "email_id"]
	)
	if not address.country:
		return None
	address.insert()
	return address.name


def make_opportunity(lead, customer: str):
	def postprocess(source, target):
		target.customer = customer
		target.title = source.company_name or source.lead_name
		target.opportunity_owner = source.lead_owner if valid_user(source.lead_owner) else frappe.session.user
		first_stage = frappe.db.get_value("Sales Stage", {}, "name", order_by="stage_order asc")
		target.sales_stage = first_stage

	opportunity = _from_lead(
		lead, "Opportunity", postprocess, ["status", "naming_series", "notes", "image"], {"name": "lead"}
	)
	opportunity.insert()
	return opportunity


def valid_user(user: str | None) -> bool:
	return (
		bool(user) and user not in ("Guest",) and bool(frappe.db.exists("User", {"name": user, "enabled": 1}))
	)
