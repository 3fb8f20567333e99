"""Small builders for the records tests need. Every name is unique so tests never collide."""

import frappe


def unique(prefix: str = "") -> str:
	return f"{prefix}{frappe.generate_hash(length=8)}"


def make_user(*roles: str, email: str | None = None):
	from crm_suite.devserver import make_user as new_user

	return new_user(email or f"{unique('user-')}@example.com", *roles)


def delete_for_good(doctype: str, name: str) -> None:
	"""A committed test record deleted without the Deleted Document copy Frappe keeps of every deletion,
	nor the copy of the Notification Settings Frappe's User deletion deletes with a user."""
	frappe.delete_doc(doctype, name, force=True, ignore_permissions=True, delete_permanently=True)
	if doctype == "User":
		frappe.db.delete(
			"Deleted Document", {"deleted_doctype": "Notification Settings", "deleted_name": name}
		)


def delete_users(users: list[str]) -> None:
	"""Committed test users gone without a trace: Frappe's User deletion leaves their Contacts (made on
	insert) and their defaults (time zone) behind."""
	for contact in frappe.get_all("Contact", filters={"user": ["in", users]}, pluck="name"):
		delete_for_good("Contact", contact)
	for user in users:
		frappe.defaults.clear_default(parent=user)
		if frappe.db.exists("User", user):
			delete_for_good("User", user)


def delete_imports(imports: list[str]) -> list[str]:
	"""Committed Data Imports gone with their logs, Bulk Insert chunks and files (every File of the import's
	file_url); returns the names of the records they imported, for the caller to delete."""
	records = []
	for data_import in imports:
		records += frappe.get_all(
			"Data Import Log", filters={"data_import": data_import, "success": 1}, pluck="docname"
		)
		frappe.db.delete("Data Import Log", {"data_import": data_import})
		frappe.db.delete("Lead Import Chunk", {"data_import": data_import})
		file_url = frappe.db.get_value("Data Import", data_import, "import_file")
		frappe.delete_doc(
			"Data Import", data_import, force=True, ignore_permissions=True, delete_permanently=True
		)
		for file in frappe.get_all("File", filters={"file_url": file_url}, pluck="name"):
			frappe.delete_doc("File", file, force=True, ignore_permissions=True, delete_permanently=True)
	return [name for name in records if name]


def make_website_user(email: str | None = None):
	"""A portal user (Website User with the Support Customer role), no welcome mail, no password."""
	return frappe.get_doc(
		{
			"doctype": "User",
			"email": email or f"{unique('portal-')}@example.com",
			"first_name": "Portal",
			"send_welcome_email": 0,
			"user_type": "Website User",
			"roles": [{"role": "Support Customer"}],
		}
	).insert(ignore_permissions=True)


def make_customer(**kw):
	return frappe.get_doc(
		{"doctype": "Customer", "customer_name": unique("Customer "), "customer_group": "Commercial", **kw}
	).insert()


def make_contact(
	customer: str | None,
	first_name: str = "Ada",
	email: str | None = None,
	phone: str | None = None,
	ignore_permissions: bool = False,
	**kw,
):
	"""A Contact with a primary e-mail and/or phone, linked to `customer` (Frappe's Dynamic Link) if given."""
	return frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": first_name,
			"email_ids": [{"email_id": email, "is_primary": 1}] if email else [],
			"phone_nos": [{"phone": phone, "is_primary_phone": 1}] if phone else [],
			"links": [{"link_doctype": "Customer", "link_name": customer}] if customer else [],
			**kw,
		}
	).insert(ignore_permissions=ignore_permissions)


def make_lead(**kw):
	return frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": "Ada",
			"last_name": unique(),
			"email_id": f"{unique()}@example.com",
			**kw,
		}
	).insert()


def make_opportunity(**kw):
	if not kw.get("lead") and not kw.get("customer"):
		kw["customer"] = make_customer().name
	return frappe.get_doc({"doctype": "Opportunity", "amount": 1000, **kw}).insert()


def make_product(**kw):
	code = unique("P-")
	return frappe.get_doc(
		{"doctype": "Product", "item_code": code, "item_name": f"Product {code}", "standard_rate": 10, **kw}
	).insert()


def make_ticket(**kw):
	return frappe.get_doc({"doctype": "Ticket", "subject": unique("Printer on fire "), **kw}).insert()


def make_campaign(**kw):
	return frappe.get_doc({"doctype": "Campaign", "campaign_name": unique("Campaign "), **kw}).insert()


def make_outgoing_account(name: str, email: str, **kw):
	"""A default outgoing Email Account on an unroutable server: Frappe builds and queues mail with it, the
	SMTP server is never contacted."""
	return frappe.get_doc(
		{
			"doctype": "Email Account",
			"email_account_name": name,
			"email_id": email,
			"enable_outgoing": 1,
			"default_outgoing": 1,
			"no_smtp_authentication": 1,
			"smtp_server": "smtp.example.invalid",
			**kw,
		}
	).insert(ignore_permissions=True)


def ensure_outgoing_account(name: str, email: str):
	"""A new default outgoing account (`make_outgoing_account`) unless the site has one: then None."""
	if frappe.db.exists("Email Account", {"enable_outgoing": 1, "default_outgoing": 1}):
		return None
	return make_outgoing_account(name, email)


def error_log_names() -> set[str]:
	"""The Error Log entries there are now; error_logs_since(names) gives the ones written after. (Not by
	creation: its wall-clock time in the site's time zone goes back an hour when daylight saving time ends,
	or when the site's time zone changes, and older entries then look newer.)"""
	return set(frappe.get_all("Error Log", pluck="name"))


def error_logs_since(names: set[str]) -> list[dict]:
	return [
		{"method": e.method, "error": e.error}
		for e in frappe.get_all("Error Log", fields=["name", "method", "error"], order_by="creation")
		if e.name not in names
	]
