"""A personal-data deletion (Frappe's Personal Data Deletion Request, processed by a System Manager) removes
the person's phone numbers from the Interaction and Call Event Log texts too, in the forms they are typed in,
and leaves other people's numbers alone."""

import json

import frappe

from tests.integration.factories import make_customer, make_user, make_website_user, unique

THEIRS = "+49 30 1234567"
CONTACT_MOBILE = "+39 333 765 4321"
SOMEONE_ELSE = "+49 30 7654399"


def test_a_deletion_redacts_the_persons_phone_numbers_in_calls_and_messages():
	email = f"{unique('caller-')}@example.com"
	make_website_user(email)
	lead = frappe.get_doc(
		{"doctype": "Lead", "first_name": "Ada", "last_name": unique(), "email_id": email, "phone": THEIRS}
	).insert()
	customer = make_customer(email_id=email)
	# the person's Contact (Frappe made it with their website user): their mobile, linked to the customer
	contact = frappe.get_doc("Contact", {"email_id": email})
	contact.append("phone_nos", {"phone": CONTACT_MOBILE, "is_primary_mobile_no": 1})
	contact.append("links", {"link_doctype": "Customer", "link_name": customer.name})
	contact.save(ignore_permissions=True)
	call = frappe.get_doc(
		{
			"doctype": "Interaction",
			"channel": "Call",
			"direction": "Inbound",
			"interaction_time": frappe.utils.now_datetime(),
			"reference_doctype": "Lead",
			"reference_name": lead.name,
			"lead": lead.name,
			"phone_number": "030 1234567",
			"normalised_phone": "+49301234567",
			"notes": "<p>Call back on 0049-30-123 4567 or +49 (0)30 1234567, her colleague on "
			f"{SOMEONE_ELSE}; mobile 333 7654321.</p>",
		}
	).insert()
	message = frappe.get_doc(
		{
			"doctype": "Interaction",
			"channel": "WhatsApp",
			"direction": "Inbound",
			"interaction_time": frappe.utils.now_datetime(),
			"contact": contact.name,
			"customer": customer.name,
			"conversation": "393337654321",
			"phone_number": CONTACT_MOBILE,
			"notes": "Hello",
		}
	).insert()
	event = frappe.get_doc(
		{
			"doctype": "Call Event Log",
			"event_id": unique("evt-"),
			"event": "ringing",
			"call_id": unique("call-"),
			"phone_number": "+49301234567",
			"payload": json.dumps({"from": "+49301234567", "to": "+49 30 999000"}),
		}
	).insert(ignore_permissions=True)
	other = frappe.get_doc(
		{
			"doctype": "Call Event Log",
			"event_id": unique("evt-"),
			"event": "ringing",
			"call_id": unique("call-"),
			"phone_number": SOMEONE_ELSE,
			"payload": json.dumps({"from": SOMEONE_ELSE}),
		}
	).insert(ignore_permissions=True)

	frappe.set_user(make_user("System Manager").name)
	request = frappe.get_doc({"doctype": "Personal Data Deletion Request", "email": email})
	request.set_new_name()
	request.db_insert()  # (insert mails the person a confirmation link; this is the confirmed request)
	request._anonymize_data()

	texts = json.dumps(
		[
			frappe.db.get_value("Interaction", call.name, ["phone_number", "normalised_phone", "notes"]),
			frappe.db.get_value("Interaction", message.name, ["conversation", "phone_number"]),
			frappe.db.get_value("Call Event Log", event.name, ["phone_number", "payload"]),
		]
	)
	for digits in ("1234567", "7654321", "123 4567", "765 4321"):
		assert digits not in texts, texts
	assert "REDACTED" in frappe.db.get_value("Interaction", call.name, "phone_number")
	notes = frappe.db.get_value("Interaction", call.name, "notes")
	assert SOMEONE_ELSE in notes and "mobile REDACTED" in notes
	payload = json.loads(frappe.db.get_value("Call Event Log", event.name, "payload"))
	assert payload == {"from": "REDACTED", "to": "+49 30 999000"}
	assert frappe.db.get_value("Call Event Log", other.name, "phone_number") == SOMEONE_ELSE
	assert json.loads(frappe.db.get_value("Call Event Log", other.name, "payload")) == {"from": SOMEONE_ELSE}
