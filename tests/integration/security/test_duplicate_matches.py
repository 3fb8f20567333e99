"""A lead's stored duplicate matches read by a Sales Manager limited by a User Permission to customer A.

The Matches table of a lead they may read named a matching lead of customer B and its person's name
(form, `frappe.client.get`, REST; list/report child columns, `frappe.desk.reportview.get`; the lead's
Version history) although `get_duplicates` hid it. Now, while the site has any User Permission, a match is
stored without its name and title (`names_kept`): every route shows the flag and "matched on Email" only,
and `get_duplicates` names the match for whoever may read it (an unrestricted Sales Manager)."""

import frappe
import pytest

from crm_suite.sales.duplicates import get_duplicates
from tests.integration.factories import make_customer, make_user, unique
from tests.integration.security.world import limit_to_customer, own_records_only


@pytest.fixture
def world():
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
	yield frappe._dict(a=a, manager=manager, email=email, surname=surname, hidden=hidden)
	frappe.set_user("Administrator")


def leaks(w, value) -> bool:
	text = frappe.as_json(value)
	return w.hidden.name in text or w.surname in text


def test_a_limited_reader_sees_no_name_of_a_match_they_may_not_read(world):
	w = world
	frappe.set_user(w.manager.name)
	assert not frappe.has_permission("Lead", "read", doc=w.hidden.name)
	mine = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": "Mine",
			"last_name": unique(),
			"email_id": w.email,
			"customer": w.a.name,
		}
	).insert()
	got = frappe.client.get("Lead", mine.name)
	assert got["is_duplicate"] == 1
	assert [(m["matched_on"], m["reference_name"], m["match_title"]) for m in got["duplicates"]] == [
		("Email", None, None)
	]
	assert not leaks(w, got)

	# list and report view: the child table's columns
	fields = ["name", "`tabLead Duplicate`.reference_name", "`tabLead Duplicate`.match_title"]
	rows = frappe.get_list("Lead", filters={"name": mine.name}, fields=fields)
	assert rows and not leaks(w, rows)
	from frappe.desk.reportview import get as reportview_get

	frappe.local.form_dict = frappe._dict(
		doctype="Lead", fields=frappe.as_json(fields), filters=frappe.as_json({"name": mine.name})
	)
	answer = reportview_get()
	assert answer and not leaks(w, answer)
	assert get_duplicates(mine.name) == [
		{"doctype": "Lead", "name": None, "matched_on": "Email", "title": None}
	]

	frappe.set_user("Administrator")  # who may read both: named through get_duplicates (the form)
	assert [m["name"] for m in get_duplicates(mine.name)] == [w.hidden.name]
	unlimited = make_user("Sales Manager")
	frappe.set_user(unlimited.name)
	assert [(m["name"], m["title"]) for m in get_duplicates(mine.name)] == [
		(w.hidden.name, w.hidden.lead_name)
	]


def test_the_version_history_holds_no_name_of_a_match(world):
	w = world
	frappe.set_user(w.manager.name)
	mine = frappe.get_doc(
		{"doctype": "Lead", "first_name": "Mine", "last_name": unique(), "customer": w.a.name}
	).insert()
	mine.email_id = w.email  # a later save that changes the Matches rows
	mine.save(ignore_version=False)  # Frappe stores no Version in tests unless asked
	assert mine.is_duplicate == 1
	versions = frappe.get_all("Version", {"ref_doctype": "Lead", "docname": mine.name}, pluck="data")
	assert versions and "duplicates" in "".join(versions)
	assert not any(leaks(w, v) for v in versions)
	from frappe.desk.form.load import getdoc

	getdoc("Lead", mine.name)
	assert not leaks(w, frappe.response.docs) and not leaks(w, frappe.response.get("docinfo"))


def test_the_import_pass_stores_no_name_while_the_site_has_user_permissions(world):
	from crm_suite.sales import import_pass
	from crm_suite.sales.duplicates import Match

	match = Match("Lead", world.hidden.name, "Email", world.hidden.lead_name)
	((*_, name, matched_on, title),) = import_pass._match_rows("CRM-LEAD-X", [match])
	assert (name, matched_on, title) == (None, "Email", None)

	frappe.db.delete("User Permission")  # in this test's transaction: no reader can be limited
	((*_, name, matched_on, title),) = import_pass._match_rows("CRM-LEAD-X", [match])
	assert (name, title) == (world.hidden.name, world.hidden.lead_name)
