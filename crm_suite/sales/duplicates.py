"""Duplicate leads: finding the Leads, Customers and Contacts that share a lead's email or phone, and
merging a duplicate lead into the original.

Emails are compared lower-cased and trimmed; phones in E.164 form (a lead's own numbers are stored
normalised in `phone_e164`/`mobile_e164`, indexed). Customers and Contacts keep phones as typed and are
found by their stored digits in the forms the lead's number is typed in (`contact_lookup`, indexed).
"""

from dataclasses import dataclass

import frappe
from frappe import _
from frappe.model.dynamic_links import get_dynamic_links
from frappe.model.rename_doc import get_link_fields
from pypika.terms import ValueWrapper

from crm_suite.activities.activities import refresh_next_activity
from crm_suite.sales import visibility
from crm_suite.sales.contact_lookup import phone_digits, records_with_phones
from crm_suite.sales.stage_history import record_stage
from crm_suite.sales.visibility import OWNER_FIELD
from crm_suite.utils.contact_details import normalise_email, normalise_phone

OPEN_STATES = ("New", "Contacted", "Qualified")
MATCHED_DOCTYPES = ("Lead", "Customer", "Contact")  # what find_matches finds

# Records that must not follow a merged lead: its own history, its duplicate flags, workflow bookkeeping.
NOT_MOVED_ON_MERGE = {
	"Lead",
	"Lead Duplicate",
	"Version",
	"Workflow Action",
	"Deleted Document",
	"Access Log",
	"Activity Log",
	"DocShare",
	"Document Follow",
	"Route History",
	"View Log",
	"Stage History",  # each lead keeps its own stays (the duplicate's end as Unqualified below)
}

# Fields of the original that a merge fills in from the duplicate when the original has none.
FILLED_ON_MERGE = (
	"email_id",
	"phone",
	"mobile_no",
	"company_name",
	"job_title",
	"website",
	"source",
	"campaign",
	"industry",
	"territory",
	"address_line1",
	"city",
	"state",
	"pincode",
	"country",
)


@dataclass(frozen=True)
class Match:
	doctype: str
	name: str
	matched_on: str  # "Email" or "Phone"
	title: str | None


def country_region(country: str | None) -> str | None:
	"""The ISO code phonenumbers reads national numbers in: the lead's country, else the system's."""
	country = country or frappe.db.get_default("country")
	if not country:
		return None
	code = frappe.db.get_value("Country", country, "code", cache=True)  # once per request/job
	return code.upper() if code else None


def set_contact_keys(lead) -> None:
	"""Store the lead's phone numbers in E.164 form (blank when a number can't be parsed) and their
	digits, for matching."""
	region = country_region(lead.country) if (lead.phone or lead.mobile_no) else None
	lead.phone_e164 = normalise_phone(lead.phone, region)
	lead.mobile_e164 = normalise_phone(lead.mobile_no, region)
	lead.phone_digits = phone_digits(lead.phone)
	lead.mobile_digits = phone_digits(lead.mobile_no)


def find_matches(email: str | None, phones: list[str], exclude_lead: str | None = None) -> list[Match]:
	"""Leads, Customers and Contacts with this email or one of these E.164 phone numbers."""
	email = normalise_email(email)
	phones = sorted({p for p in phones if p})
	matches: dict[tuple[str, str], Match] = {}

	def add(doctype, rows, matched_on):
		for name, title in rows:
			matches.setdefault((doctype, name), Match(doctype, name, matched_on, title))

	exclude = exclude_lead or ""
	if email:
		# one round trip: the Leads, Customers and Contacts with this email, each row tagged with its doctype
		lead, customer = frappe.qb.DocType("Lead"), frappe.qb.DocType("Customer")
		contact, contact_email = frappe.qb.DocType("Contact"), frappe.qb.DocType("Contact Email")
		leads = (
			frappe.qb.from_(lead)
			.select(ValueWrapper("Lead"), lead.name, lead.lead_name)
			.where((lead.email_id == email) & (lead.name != exclude) & lead.merged_into.isnull())
		)
		customers = (
			frappe.qb.from_(customer)
			.select(ValueWrapper("Customer"), customer.name, customer.customer_name)
			.where(customer.email_id == email)
		)
		contacts = (
			frappe.qb.from_(contact)
			.join(contact_email)
			.on((contact_email.parent == contact.name) & (contact_email.parenttype == "Contact"))
			.select(ValueWrapper("Contact"), contact.name, contact.full_name)
			.distinct()
			.where(contact_email.email_id == email)
		)
		rows = leads.union_all(customers).union_all(contacts).run()
		for doctype in ("Lead", "Customer", "Contact"):
			add(doctype, [(name, title) for of, name, title in rows if of == doctype], "Email")
	if phones:
		found = records_with_phones(phones)
		add("Lead", [(r.name, r.title) for r in found["Lead"] if r.name != exclude], "Phone")
		add("Customer", [(r.name, r.title) for r in found["Customer"]], "Phone")
		add("Contact", [(r.name, r.title) for r in found["Contact"]], "Phone")
	return list(matches.values())


def user_permissions_exist() -> bool:
	"""Whether any User Permission exists on the site (one indexed read of its first row, in this
	transaction: a permission added or removed earlier in it counts).

	A locking read (shared: saves don't wait for each other): the site's first User Permission waits for
	the commit of a save that read "none" and stores names, so the job it queues
	(crm_suite/sales/match_names.py) finds that save's rows."""
	return bool(frappe.db.sql("select name from `tabUser Permission` limit 1 lock in share mode"))


def names_kept(doctype: str, limited_readers: bool | None = None) -> bool:
	"""Whether a stored match on a `doctype` record keeps its name and title.

	The Matches table is part of the lead (the form, REST, its Version history, list and report columns),
	and who reads the lead changes with every assignment. So a match is stored without its name and
	title whenever some reader of the lead could be kept from reading the match: with CRM Settings'
	own-records option on (for matches on leads and opportunities), and whenever the site has any User
	Permission (`limited_readers`; read once per save by the caller, else here). The flag and "a Lead
	matched on Email/Phone" stay, and `get_duplicates` gives each reader the names they may read. When
	names stop being kept, the ones stored before are blanked by a job (crm_suite/sales/match_names.py)."""
	if limited_readers is None:
		limited_readers = user_permissions_exist()
	if limited_readers:
		return False
	# a shared-lock read: switching the option on waits for this save's commit, so the job it queues
	# (crm_suite/sales/match_names.py) finds the names stored here
	return doctype not in OWNER_FIELD or not visibility.setting_on(lock=True)


def may_read(doctype: str, name: str | None, user: str | None = None) -> bool:
	return bool(name) and frappe.has_permission(doctype, "read", doc=name, user=user)


def flag_duplicates(lead) -> None:
	"""Fill the lead's Matches table and Possible Duplicate flag (called from Lead.validate)."""
	matches = find_matches(lead.email_id, [lead.phone_e164, lead.mobile_e164], exclude_lead=lead.name)
	# The customer/contact a converted lead created are its own records, not duplicates.
	own = {("Customer", lead.customer)} if lead.customer else set()
	matches = [m for m in matches if (m.doctype, m.name) not in own]
	rows = []
	limited = user_permissions_exist() if matches else False
	for m in matches:
		named = names_kept(m.doctype, limited)
		rows.append(
			{
				"reference_doctype": m.doctype,
				"reference_name": m.name if named else None,
				"matched_on": m.matched_on,
				"match_title": m.title if named else None,
			}
		)
	lead.set("duplicates", rows)
	lead.is_duplicate = 1 if matches else 0


def hide_unreadable_matches(lead, user: str | None = None) -> None:
	"""Blank the name and title of stored matches the reader may not read (rows stored before the
	own-records option was switched on, or before the site's first User Permission, name them until the
	job of crm_suite/sales/match_names.py has blanked them, e.g. for a Sales Manager limited to one
	customer reading a lead that repeats another customer's); called where Frappe strips what a reader
	may not see (Lead.apply_fieldlevel_read_permissions: the form, frappe.client.get, REST)."""
	user = user or frappe.session.user
	if not (visibility.is_restricted(user) or frappe.permissions.get_user_permissions(user)):
		return
	for row in lead.get("duplicates") or []:
		if row.reference_name and not may_read(row.reference_doctype, row.reference_name, user):
			row.reference_name = None
			row.match_title = None


@frappe.whitelist(methods=["GET", "POST"])
def get_duplicates(lead: str) -> list[dict]:
	"""The current matches of a saved lead (re-computed, not the stored flags), named where the caller
	may read the match; a match they may not read is listed without its name and title."""
	doc = frappe.get_doc("Lead", lead)
	doc.check_permission("read")
	found = find_matches(doc.email_id, [doc.phone_e164, doc.mobile_e164], exclude_lead=doc.name)
	return [
		m.__dict__
		if may_read(m.doctype, m.name)
		else {"doctype": m.doctype, "name": None, "matched_on": m.matched_on, "title": None}
		for m in found
	]


@frappe.whitelist(methods=["POST"])
def merge_leads(duplicate: str, original: str) -> dict:
	"""Fold lead `duplicate` into lead `original`.

	Everything that links to the duplicate (Opportunities, Communications, Comments, ToDos, files,
	Interactions and any other Link or Dynamic Link to it) is re-pointed to the original, set-based; blank
	fields of the original are filled from the duplicate; the duplicate is kept, marked Unqualified and
	`merged_into` the original, so its history stays readable.
	"""
	if not duplicate or not original:
		frappe.throw(_("Name both the duplicate lead and the original."), title=_("Missing Lead"))
	if duplicate == original:
		frappe.throw(_("A lead cannot be merged into itself."), title=_("Invalid Merge"))
	for name in (duplicate, original):
		if not frappe.db.exists("Lead", name):
			frappe.throw(
				_("Lead {0} does not exist.").format(name), frappe.DoesNotExistError, title=_("Invalid Merge")
			)

	# Lock both rows (in name order, so two merges can't deadlock) before reading them.
	for name in sorted((duplicate, original)):
		frappe.db.get_value("Lead", name, "name", for_update=True)
	dup = frappe.get_doc("Lead", duplicate)
	orig = frappe.get_doc("Lead", original)
	dup.check_permission("write")
	orig.check_permission("write")
	if dup.merged_into:
		frappe.throw(
			_("Lead {0} was already merged into {1}.").format(dup.name, dup.merged_into),
			title=_("Invalid Merge"),
		)
	if orig.merged_into:
		frappe.throw(
			_("Lead {0} was merged into {1}: merge into that lead instead.").format(
				orig.name, orig.merged_into
			),
			title=_("Invalid Merge"),
		)
	if dup.status == "Converted":
		frappe.throw(
			_("Lead {0} is converted; merge the other lead into it instead.").format(dup.name),
			title=_("Invalid Merge"),
		)

	moved = move_links(dup.name, orig.name)

	for fieldname in FILLED_ON_MERGE:
		if not orig.get(fieldname) and dup.get(fieldname):
			orig.set(fieldname, dup.get(fieldname))
	orig.flags.ignore_permissions = True  # write permission on both was checked above
	orig.save()
	orig.add_comment("Info", _("Lead {0} ({1}) was merged into this lead.").format(dup.name, dup.lead_name))

	frappe.db.set_value(
		"Lead",
		dup.name,
		{"merged_into": orig.name, "status": "Unqualified", "is_duplicate": 0},
	)
	record_stage("Lead", dup.name, "Unqualified")  # a plain UPDATE: no on_change records it
	for name in (orig.name, dup.name):  # the duplicate's planned activities moved to the original
		refresh_next_activity("Lead", name)
	frappe.db.delete("Lead Duplicate", {"parent": dup.name, "parenttype": "Lead"})
	frappe.get_doc("Lead", dup.name).add_comment("Info", _("Merged into lead {0}.").format(orig.name))
	return {"original": orig.name, "duplicate": dup.name, "moved": moved}


def move_links(old: str, new: str) -> dict[str, int]:
	"""Re-point every Link and Dynamic Link from lead `old` to lead `new`: one UPDATE per field."""
	moved: dict[str, int] = {}
	for field in get_link_fields("Lead"):
		if field["parent"] in NOT_MOVED_ON_MERGE or field.get("issingle"):
			continue
		table = frappe.qb.DocType(field["parent"])
		column = table[field["fieldname"]]
		count = frappe.db.count(field["parent"], {field["fieldname"]: old})
		if count:
			frappe.qb.update(table).set(column, new).where(column == old).run()
			moved[f"{field['parent']}.{field['fieldname']}"] = count
	for df in get_dynamic_links():
		if df.parent in NOT_MOVED_ON_MERGE or frappe.get_meta(df.parent).issingle:
			continue
		filters = {df.options: "Lead", df.fieldname: old}
		try:
			count = frappe.db.count(df.parent, filters)
		except frappe.db.TableMissingError:
			continue
		if count:
			table = frappe.qb.DocType(df.parent)
			(
				frappe.qb.update(table)
				.set(table[df.fieldname], new)
				.where((table[df.options] == "Lead") & (table[df.fieldname] == old))
				.run()
			)
			moved[f"{df.parent}.{df.fieldname}"] = count
	return moved
