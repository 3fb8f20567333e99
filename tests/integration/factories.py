"""Small builders for the records tests need. Every name is unique so tests never collide."""

import frappe


def unique(prefix: str = "") -> str:
	return f"{prefix}{frappe.generate_hash(length=8)}"


def make_user(*roles: str, email: str | None = None):
	from crm_suite.devserver import make_user as new_user

	return new_user(email or f"{unique('user-')}@example.com", *roles)


def make_customer(**kw):
	return frappe.get_doc(
		{"doctype": "Customer", "customer_name": unique("Customer "), "customer_group": "Commercial", **kw}
	).insert()


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
