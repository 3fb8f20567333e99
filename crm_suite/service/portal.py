"""The customer portal: website users who are a Contact of a Customer see and answer their own
customer's tickets, nobody else's. Permission hooks (desk list/REST) and the portal's API."""

import frappe
from frappe import _
from frappe.model import no_value_fields
from frappe.utils import escape_html, strip_html

from crm_suite.utils.contact_details import normalise_email

PORTAL_ROLE = "Support Customer"
TICKET_FIELDS = ["name", "subject", "status", "priority", "opening_date", "modified", "agreement_status"]


def is_portal_user(user: str | None = None) -> bool:
	user = user or frappe.session.user
	if user in ("Guest", "Administrator"):
		return False
	return frappe.get_cached_value("User", user, "user_type") == "Website User"


def user_email(user: str) -> str:
	return normalise_email(frappe.get_cached_value("User", user, "email") or user)


def is_staff(user: str | None) -> bool:
	"""Administrator or a desk (System) user: who may say which customer a contact belongs to."""
	if user == "Administrator":
		return True
	if not user or user == "Guest":
		return False
	return frappe.get_cached_value("User", user, "user_type") == "System User"


def portal_contacts(user: str) -> list[str]:
	"""The Contacts that speak for the user on the portal: those carrying their login or email that a
	website user did not make. Frappe lets any signed-in user (role All) create Contacts, so one a
	website user made (its owner) never counts; `guard_contact` keeps website users from adding or
	changing a Contact's customer links at all. The Contacts staff made or linked stay."""
	email = user_email(user)
	contacts = set(frappe.get_all("Contact", filters={"user": user}, pluck="name"))
	contacts.update(frappe.get_all("Contact Email", filters={"email_id": email}, pluck="parent"))
	if not contacts:
		return []
	contact, owner = frappe.qb.DocType("Contact"), frappe.qb.DocType("User")
	made_by_website_users = (
		frappe.qb.from_(contact)
		.join(owner)
		.on(owner.name == contact.owner)
		.select(contact.name)
		.where(contact.name.isin(sorted(contacts)))
		.where(owner.user_type == "Website User")
		.run(pluck=True)
	)
	return sorted(contacts - set(made_by_website_users))


def customer_links(doc) -> set[str]:
	return {
		link.link_name
		for link in doc.get("links") or []
		if link.link_doctype == "Customer" and link.link_name
	}


def guard_contact(doc, method=None) -> None:
	"""Contact validate hook: only staff say which customer a contact belongs to. A website user (or a
	guest, e.g. while signing up) may keep their own Contact's details up to date, but not add, change or
	remove its Customer links, nor move a customer's Contact to another login."""
	if is_staff(frappe.session.user) or frappe.flags.in_install or frappe.flags.in_migrate:
		return
	before = doc.get_doc_before_save() if not doc.is_new() else None
	old_links = customer_links(before) if before else set()
	if customer_links(doc) != old_links:
		frappe.throw(
			_("Only our staff can link a contact to a customer."),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)
	if before and old_links and (doc.user != before.user):
		frappe.throw(
			_("Only our staff can change the login of a customer's contact."),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)


def portal_customers(user: str) -> list[str]:
	"""Customers the user is a contact of (Contact → Dynamic Link → Customer)."""
	key = ("crm_portal_customers", user)
	if key in frappe.local.cache:
		return frappe.local.cache[key]
	contacts = portal_contacts(user)
	customers = (
		sorted(
			set(
				frappe.get_all(
					"Dynamic Link",
					filters={"parenttype": "Contact", "parent": ("in", contacts), "link_doctype": "Customer"},
					pluck="link_name",
				)
			)
		)
		if contacts
		else []
	)
	frappe.local.cache[key] = customers
	return customers


def can_access(ticket, user: str) -> bool:
	customers = portal_customers(user)
	return bool(ticket.get("customer") and ticket.get("customer") in customers) or (
		normalise_email(ticket.get("raised_by")) == user_email(user)
	)


# --------------------------------------------------------------------------- permission hooks
def has_ticket_permission(doc, ptype=None, user=None, **kwargs):
	"""Website users: only tickets of their own customer (or raised by them). Staff: no opinion."""
	user = user or frappe.session.user
	if not is_portal_user(user):
		return None
	if ptype == "create":
		return None  # a new ticket is made theirs by restrict_portal_ticket
	return can_access(doc, user)


def ticket_query_conditions(user=None, **kwargs) -> str:
	user = user or frappe.session.user
	if not is_portal_user(user):
		return ""
	conditions = [f"`tabTicket`.`raised_by` = {frappe.db.escape(user_email(user))}"]
	customers = portal_customers(user)
	if customers:
		conditions.append(
			"`tabTicket`.`customer` in ({})".format(", ".join(frappe.db.escape(c) for c in customers))
		)
	return "(" + " or ".join(conditions) + ")"


def restrict_portal_ticket(ticket) -> None:
	"""A ticket a website user creates is theirs: sender, contact and customer come from their login."""
	user = frappe.session.user
	if not is_portal_user(user):
		return
	customers = portal_customers(user)
	contacts = portal_contacts(user)
	linked = frappe.get_all(
		"Dynamic Link",
		filters={"parenttype": "Contact", "parent": ("in", contacts or [""]), "link_doctype": "Customer"},
		pluck="parent",
		order_by="parent",
	)
	ticket.raised_by = user_email(user)
	ticket.contact = (linked or contacts or [None])[0]
	ticket.customer = (
		ticket.customer if ticket.customer in customers else (customers[0] if customers else None)
	)
	ticket.status = "Open"
	# the service desk sets the priority; a customer's "Urgent" would jump the queue and the SLA
	ticket.priority = ticket.meta.get_field("priority").default or "Medium"
	ticket.agent = None
	ticket.service_level_agreement = None
	# Whatever the desk form does not let anyone type (dates, SLA clock, escalation, feedback) starts empty,
	# however the request was made: the server computes it.
	for df in ticket.meta.fields:
		if df.read_only and df.fieldtype not in no_value_fields and df.fieldname != "naming_series":
			ticket.set(df.fieldname, None)


# --------------------------------------------------------------------------- portal API
def _portal_ticket(name: str, ptype: str = "read"):
	if frappe.session.user == "Guest":
		raise frappe.PermissionError(_("Please log in to see your tickets"))
	if not frappe.db.exists("Ticket", name):
		raise frappe.PermissionError(_("You are not allowed to open this ticket"))
	ticket = frappe.get_doc("Ticket", name)
	if is_portal_user() and not can_access(ticket, frappe.session.user):
		raise frappe.PermissionError(_("You are not allowed to open this ticket"))
	if not frappe.has_permission("Ticket", ptype, ticket):
		raise frappe.PermissionError(_("You are not allowed to open this ticket"))
	return ticket


@frappe.whitelist()
def get_my_tickets(status: str | None = None) -> list[dict]:
	filters = {"status": status} if status else {}
	return frappe.get_list(
		"Ticket", filters=filters, fields=TICKET_FIELDS, order_by="modified desc", limit=200
	)


@frappe.whitelist()
def get_ticket(name: str) -> dict:
	ticket = _portal_ticket(name)
	return {
		"ticket": {f: ticket.get(f) for f in [*TICKET_FIELDS, "description", "feedback_rating"]},
		"messages": get_messages(ticket.name),
	}


def get_messages(name: str) -> list[dict]:
	return frappe.get_all(
		"Communication",
		filters={
			"reference_doctype": "Ticket",
			"reference_name": name,
			"communication_type": "Communication",
		},
		fields=["name", "sender", "sender_full_name", "sent_or_received", "content", "creation"],
		order_by="creation asc",
	)


@frappe.whitelist(methods=["POST"])
def reply(ticket: str, message: str) -> str:
	"""A customer's answer on the portal, stored as a received Communication on the ticket."""
	doc = _portal_ticket(ticket)
	# A reply speaks for the customer: their own contacts (who read only their tickets) or desk users who may
	# change the ticket; readers such as Sales Users may not.
	if not frappe.has_permission("Ticket", "read", doc) or not (
		is_portal_user() or frappe.has_permission("Ticket", "write", doc)
	):
		raise frappe.PermissionError
	text = strip_html(message or "").strip()
	if not text:
		frappe.throw(_("Write a message first"), title=_("Empty Reply"))
	if doc.status == "Closed":
		frappe.throw(
			_("Ticket {0} is closed. Please open a new ticket.").format(doc.name), title=_("Ticket Closed")
		)
	user = frappe.session.user
	comm = frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Email",
			"sent_or_received": "Received",
			"subject": _("Re: {0}").format(doc.subject),
			"content": escape_html(text).replace("\n", "<br>"),
			"sender": user_email(user),
			"sender_full_name": frappe.utils.get_fullname(user),
			"reference_doctype": "Ticket",
			"reference_name": doc.name,
		}
	)
	comm.insert(ignore_permissions=True)
	return comm.name


@frappe.whitelist(methods=["POST"])
def create_ticket(subject: str, description: str | None = None, ticket_type: str | None = None) -> str:
	if not (subject or "").strip():
		frappe.throw(_("A subject is required"), title=_("Missing Subject"))
	ticket = frappe.get_doc(
		{
			"doctype": "Ticket",
			"subject": strip_html(subject).strip()[:140],
			"description": escape_html(description or ""),
			"ticket_type": ticket_type
			if ticket_type and frappe.db.exists("Ticket Type", ticket_type)
			else None,
		}
	)
	ticket.insert()
	return ticket.name


# --------------------------------------------------------------------------- the desk's form loaders
def refuse_website_users() -> None:
	if frappe.session.user == "Guest" or is_portal_user():
		raise frappe.PermissionError(
			_("The desk is for our staff: your tickets are on the support portal (/support).")
		)


def check_document_named(doctype, name) -> None:
	"""A 400 for what Frappe's form loaders fail on with a 500 (no name, a doctype that does not exist)."""
	if not isinstance(doctype, str) or not frappe.db.exists("DocType", doctype):
		frappe.throw(_("Unknown document type"), frappe.ValidationError)
	if not name or not isinstance(name, str):
		frappe.throw(_("Which {0}?").format(_(doctype)), frappe.ValidationError)


@frappe.whitelist()
def getdoc(doctype, name, user=None):
	"""`frappe.desk.form.load.getdoc`, the desk form's load, for desk users only (hooks.py
	override_whitelisted_methods): with the document it sends its docinfo (the staff's internal comments,
	assignments, versions, their names and emails), so a customer's contact read the internal notes on
	their own ticket. Website users read their tickets through the portal (`get_ticket`)."""
	from frappe.desk.form.load import getdoc as frappe_getdoc

	refuse_website_users()
	check_document_named(doctype, name)
	return frappe_getdoc(doctype, name, user)


@frappe.whitelist()
def get_docinfo(doc=None, doctype=None, name=None):
	"""`frappe.desk.form.load.get_docinfo` (a form's comments, assignments, versions), for desk users only
	(see `getdoc`)."""
	from frappe.desk.form.load import get_docinfo as frappe_get_docinfo
	from frappe.model.document import Document

	refuse_website_users()
	if isinstance(doc, Document):  # a server-side call
		return frappe_get_docinfo(doc)
	check_document_named(doctype, name)
	return frappe_get_docinfo(None, doctype, name)
