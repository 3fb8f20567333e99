"""A lead's stored duplicate matches read by a Sales Manager limited by a User Permission to customer A.

The Matches table of a lead they may read named a matching lead of customer B and its person's name
(form, `frappe.client.get`, REST) although `get_duplicates` hid it: the table was blanked only for users
under the own-records rule (failed on the code before). Now the same reader sees the match without its
name and title, the flag and "matched on Email" stay."""

import frappe

from tests.integration.factories import make_customer, make_user, unique
from tests.integration.security.world import limit_to_customer, own_records_only


def test_a_limited_reader_sees_no_name_of_a_match_they_may_not_read():
	own_records_only(False)
	a, b = make_customer(), make_customer()
	manager = make_user("Sales Manager")
	limit_to_customer(manager.name, a.name)
	email = f"{unique('match-')}@example.com"
	surname = unique("Hidden")
	hidden = frappe.get_doc(
		{"doctype": "Lead", "first_name": "Someone", "last_name": surname, "email_id": email}
	).insert(ignore_permissions=True)
	frappe.db.set_value("Lead", hidden.name, "customer", b.name)

	frappe.set_user(manager.name)
	assert not frappe.has_permission("Lead", "read", doc=hidden.name)
	mine = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": "Mine",
			"last_name": unique(),
			"email_id": email,
			"customer": a.name,
		}
	).insert()
	got = frappe.client.get("Lead", mine.name)
	assert got["is_duplicate"] == 1
	assert [(m["matched_on"], m["reference_name"], m["match_title"]) for m in got["duplicates"]] == [
		("Email", None, None)
	]
	assert hidden.name not in frappe.as_json(got) and surname not in frappe.as_json(got)

	frappe.set_user("Administrator")  # who may read both still sees the match named
	assert [m.reference_name for m in frappe.get_doc("Lead", mine.name).duplicates] == [hidden.name]
