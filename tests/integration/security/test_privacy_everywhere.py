"""A personal-data deletion run through Frappe's flow by a System Manager (the request confirmed by the
person, then "Delete Data") succeeds when the person has two Contacts, and leaves none of their names,
email or phone numbers in what the app keeps: Versions (each form's "changes"), Deleted Documents, other
leads' duplicate matches, planned activities, consents, campaign messages, ToDos, comments, the Contacts'
phone rows. Another person's records stay as they were."""

import json

import frappe
import pytest

from tests.integration.factories import (
	ensure_outgoing_account,
	make_campaign,
	make_contact,
	make_customer,
	make_user,
	make_website_user,
	unique,
)
from tests.integration.service.conftest import clear_email_account_cache

PHONE = "+49 30 5551234"
MOBILE = "+39 333 888 7766"
DIGITS = ("5551234", "555 1234", "8887766", "888 7766")
SOMEONE_ELSE = "+49 30 7654399"


@pytest.fixture(autouse=True)
def outgoing_mail(rollback_after_test):
	"""The request mails the person (Frappe needs an outgoing account): muted, and the account Frappe caches
	per process forgotten afterwards, or the next test's mail would be sent at once, which commits."""
	muted, frappe.flags.mute_emails = frappe.flags.mute_emails, True
	clear_email_account_cache()
	ensure_outgoing_account(unique("Privacy Tests "), f"{unique('privacy-')}@example.com")
	yield
	frappe.flags.mute_emails = muted
	clear_email_account_cache()


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
		contact = frappe.get_doc("Contact", name)
		assert not holds(person, contact.as_dict()), contact.as_dict()
	assert not any(frappe.db.exists("Contact", name) for name in person.contacts)
	assert not holds(person, frappe.get_doc("Lead", person.lead.name).as_dict())
	assert not holds(person, frappe.get_doc("Customer", person.customer.name).as_dict())


def test_a_deletion_leaves_the_person_in_no_version_match_activity_or_note():
	person = a_person()
	lead = person.lead
	lead.job_title = "Engineer"
	lead.notes = f"<p>Met {person.full}, {PHONE}</p>"
	lead.save(ignore_version=False)
	lead.add_comment("Comment", f"Spoke with {person.full} on {PHONE}")
	# another person's lead with the same mobile: its Matches table names the person's lead
	other = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": "Other",
			"last_name": unique(),
			"email_id": f"{unique('other-')}@example.com",
			"phone": SOMEONE_ELSE,
			"mobile_no": MOBILE,
		}
	).insert()
	assert person.full in [d.match_title for d in other.duplicates]
	call = frappe.get_doc(
		{
			"doctype": "Interaction",
			"channel": "Call",
			"direction": "Inbound",
			"interaction_time": frappe.utils.now_datetime(),
			"reference_doctype": "Lead",
			"reference_name": lead.name,
			"lead": lead.name,
			"phone_number": PHONE,
			"notes": "Called",
		}
	).insert()
	call.notes = f"{person.full} asks to be called back on {MOBILE} or {person.email}"
	call.save(ignore_version=False)
	activity = frappe.get_doc(
		{
			"doctype": "CRM Activity",
			"activity_type": "Call",
			"reference_doctype": "Lead",
			"reference_name": lead.name,
			"due_on": frappe.utils.add_days(frappe.utils.now_datetime(), 1),
			"assigned_to": "Administrator",
		}
	).insert()
	activity.outcome = f"{person.full} interested"
	activity.save(ignore_version=False)
	assert person.full in activity.subject and activity.reference_title == person.full
	ticket = frappe.get_doc(
		{"doctype": "Ticket", "subject": unique("Help "), "raised_by": person.email, "description": "Help"}
	).insert()
	ticket.feedback_comment = f"Thanks, {person.full}"
	ticket.save(ignore_version=False)
	consent = frappe.get_doc(
		{
			"doctype": "Channel Consent",
			"phone": "+393338887766",
			"channel": "WhatsApp",
			"status": "Opted In",
			"recorded_on": frappe.utils.now_datetime(),
			"lead": lead.name,
		}
	).insert(ignore_permissions=True)
	todo = frappe.get_doc(
		{
			"doctype": "ToDo",
			"allocated_to": "Administrator",
			"reference_type": "Lead",
			"reference_name": lead.name,
			"description": f"Follow up lead {lead.name} ({person.full}), call {PHONE}",
		}
	).insert(ignore_permissions=True)
	deleted = frappe.get_doc(
		{
			"doctype": "Interaction",
			"channel": "Email",
			"direction": "Inbound",
			"interaction_time": frappe.utils.now_datetime(),
			"reference_doctype": "Lead",
			"reference_name": lead.name,
			"lead": lead.name,
			"notes": f"{person.full} {person.email} {PHONE}",
		}
	).insert()
	frappe.delete_doc("Interaction", deleted.name, ignore_permissions=True)
	tracked = {
		"Lead": lead.name,
		"Interaction": call.name,
		"CRM Activity": activity.name,
		"Ticket": ticket.name,
	}
	for doctype, name in tracked.items():
		assert holds(person, frappe.get_all("Version", {"ref_doctype": doctype, "docname": name}, "data"))

	anon = delete(person.email)

	for doctype, name in tracked.items():
		versions = frappe.get_all("Version", {"ref_doctype": doctype, "docname": name}, pluck="data")
		assert versions and not holds(person, versions), (doctype, versions)
		assert not holds(person, frappe.get_doc(doctype, name).as_dict()), doctype
	texts = {
		"deleted document": frappe.get_all(
			"Deleted Document", {"deleted_doctype": "Interaction", "deleted_name": deleted.name}, pluck="data"
		),
		"matches": [d.match_title for d in frappe.get_doc("Lead", other.name).duplicates],
		"consent": frappe.db.get_value("Channel Consent", consent.name, "phone"),
		"todo": frappe.db.get_value("ToDo", todo.name, "description"),
		"comments": frappe.get_all(
			"Comment", {"reference_doctype": "Lead", "reference_name": lead.name}, pluck="content"
		),
		"lead _comments": frappe.db.get_value("Lead", lead.name, "_comments"),
		"contact phones": frappe.get_all(
			"Contact Phone", {"parent": ["in", contact_names(anon)]}, ["phone", "phone_digits"], as_list=True
		),
	}
	for what, text in texts.items():
		assert not holds(person, text), (what, text)
	assert texts["deleted document"] and texts["todo"].startswith(f"Follow up lead {lead.name} (REDACTED)")
	# the other person's lead keeps its own name and numbers
	other.reload()
	assert other.first_name == "Other" and other.phone == SOMEONE_ELSE and other.mobile_no == MOBILE


def test_two_deletions_keep_the_rows_of_unique_columns_apart():
	"""A channel consent is unique per number and channel, a campaign message per step and recipient: the
	redacted numbers of two people (one of whom has two numbers) must not collide."""
	campaign = make_campaign()
	step = unique("step-")
	people = []
	for numbers in ((PHONE, MOBILE), (SOMEONE_ELSE,)):
		tag = unique()
		email = f"texted-{tag}@example.com"
		make_website_user(email)
		lead = frappe.get_doc(
			{
				"doctype": "Lead",
				"first_name": "Texted",
				"last_name": tag,
				"email_id": email,
				"phone": numbers[0],
				"mobile_no": numbers[-1],
			}
		).insert()
		for number in numbers:
			frappe.get_doc(
				{
					"doctype": "Channel Consent",
					"phone": number.replace(" ", ""),
					"channel": "SMS",
					"status": "Opted In",
					"recorded_on": frappe.utils.now_datetime(),
					"lead": lead.name,
				}
			).insert(ignore_permissions=True)
			frappe.get_doc(
				{
					"doctype": "Campaign Send Log",
					"campaign": campaign.name,
					"schedule_step": step,
					"channel": "SMS",
					"recipient": number.replace(" ", ""),
					"reference_doctype": "Lead",
					"reference_name": lead.name,
					"status": "Sent",
				}
			).insert(ignore_permissions=True)
		people.append((email, lead, numbers))

	for email, _lead, _numbers in people:
		delete(email)
		frappe.set_user("Administrator")

	for _email, lead, numbers in people:
		stored = json.dumps(
			frappe.get_all("Channel Consent", {"lead": lead.name}, pluck="phone")
			+ frappe.get_all("Campaign Send Log", {"reference_name": lead.name}, pluck="recipient")
		)
		assert len(json.loads(stored)) == 2 * len(numbers)
		for number in numbers:
			assert number.replace(" ", "")[-7:] not in stored, stored
