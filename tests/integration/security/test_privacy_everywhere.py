"""A personal-data deletion run through Frappe's flow by a System Manager (the request confirmed by the
person, then "Delete Data") succeeds when the person has two Contacts with the same email."""

import json

import frappe

from tests.integration.factories import (
	ensure_outgoing_account,
	make_contact,
	make_customer,
	make_user,
	make_website_user,
	unique,
)

PHONE = "+49 30 5551234"
MOBILE = "+39 333 888 7766"
DIGITS = ("5551234", "555 1234", "8887766", "888 7766")
SOMEONE_ELSE = "+49 30 7654399"


def a_person():
	"""A website user with a Lead, an individual Customer and two Contacts sharing their email."""
	tag = unique()
	email = f"zelda-{tag}@example.com"
	person = frappe._dict(email=email, first="Zelda", last=f"Quixote{tag}")
	person.full = f"{person.first} {person.last}"
	user = make_website_user(email)
	user.first_name, user.last_name = person.first, person.last
	user.save(ignore_permissions=True)
	person.customer = make_customer(
		customer_name=person.full, customer_type="Individual", email_id=email, phone=PHONE
	)
	# Frappe made a Contact with the website user; the person typed their email again in a second one
	first = frappe.get_doc("Contact", {"email_id": email})
	first.append("phone_nos", {"phone": MOBILE, "is_primary_mobile_no": 1})
	first.save(ignore_permissions=True)
	second = make_contact(
		person.customer.name,
		first_name=person.first,
		last_name=person.last,
		email=email,
		phone=PHONE,
		ignore_permissions=True,
	)
	person.contacts = [first.name, second.name]
	person.lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": person.first,
			"last_name": person.last,
			"email_id": email,
			"phone": PHONE,
			"mobile_no": MOBILE,
		}
	).insert()
	return person


def delete(email: str) -> str:
	"""Frappe's flow: the request, confirmed by the person, approved by a System Manager."""
	ensure_outgoing_account(unique("Outgoing "), f"{unique('out-')}@example.com")
	frappe.set_user(make_user("System Manager").name)
	request = frappe.get_doc({"doctype": "Personal Data Deletion Request", "email": email}).insert(
		ignore_permissions=True  # (the person asks from the website)
	)
	request.db_set("status", "Pending Approval")  # what the person's confirmation link does
	request.reload()
	request.trigger_data_deletion()
	request.reload()
	assert request.status == "Deleted"
	return request.name


def contact_names(anon: str) -> list[str]:
	user, domain = anon.split("@")
	return [anon, f"{user}-2@{domain}"]


def holds(person, text) -> list[str]:
	text = text if isinstance(text, str) else json.dumps(text, default=str)
	found = [v for v in (person.email, person.last, *DIGITS) if v.lower() in (text or "").lower()]
	return found


def test_a_person_with_two_contacts_is_deleted():
	person = a_person()
	anon = delete(person.email)

	assert all(frappe.db.exists("Contact", name) for name in contact_names(anon))
	for name in contact_names(anon):
		assert frappe.db.get_value("Contact", name, ["email_id", "first_name"]) == (anon, "[REDACTED]")
	assert not any(frappe.db.exists("Contact", name) for name in person.contacts)
	assert frappe.db.get_value("Lead", person.lead.name, "email_id") == anon
