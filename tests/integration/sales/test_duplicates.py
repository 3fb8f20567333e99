"""Duplicate detection against Leads, Customers and Contacts, and merging a duplicate lead."""

import frappe
import pytest

from crm_suite.sales.duplicates import merge_leads
from tests.integration.factories import make_customer, make_lead, make_opportunity, make_user, unique


def matches(lead):
	return {(d.reference_doctype, d.reference_name, d.matched_on) for d in lead.duplicates}


def test_same_email_in_another_case_flags_the_new_lead():
	first = make_lead()
	second = make_lead(email_id=f"  {first.email_id.upper()} ")
	assert second.is_duplicate == 1
	assert matches(second) == {("Lead", first.name, "Email")}
	assert first.is_duplicate == 0


def test_phone_in_another_format_matches_lead_customer_and_contact():
	first = make_lead(email_id=None, phone="+49 30 5550123", country="Germany")
	customer = make_customer(phone="030 555-0123")
	contact = frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": "Phone",
			"phone_nos": [{"phone": "0049 30 5550123", "is_primary_phone": 1}],
		}
	).insert()
	lead = make_lead(email_id=None, mobile_no="030 555-0123", country="Germany")
	assert lead.mobile_e164 == "+49305550123"
	assert matches(lead) >= {
		("Lead", first.name, "Phone"),
		("Customer", customer.name, "Phone"),
		("Contact", contact.name, "Phone"),
	}


def test_customer_and_contact_email_match():
	customer = make_customer(email_id=f"{unique()}@example.com")
	email = f"{unique()}@example.com"
	contact = frappe.get_doc(
		{"doctype": "Contact", "first_name": "Mail", "email_ids": [{"email_id": email, "is_primary": 1}]}
	).insert()
	assert matches(make_lead(email_id=customer.email_id)) == {("Customer", customer.name, "Email")}
	assert matches(make_lead(email_id=email.upper())) == {("Contact", contact.name, "Email")}


def test_a_lead_without_matches_is_not_flagged():
	lead = make_lead()
	assert lead.is_duplicate == 0 and not lead.duplicates


def test_merge_moves_opportunities_comments_todos_and_communications():
	original = make_lead()
	duplicate = make_lead(email_id=original.email_id, phone="+44 20 7946 0018", company_name="Dup Ltd")
	opp = make_opportunity(lead=duplicate.name)
	duplicate.add_comment("Comment", "called them")
	todo = frappe.get_doc(
		{
			"doctype": "ToDo",
			"description": "call back",
			"reference_type": "Lead",
			"reference_name": duplicate.name,
		}
	).insert()
	comm = frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_medium": "Email",
			"subject": "Hello",
			"reference_doctype": "Lead",
			"reference_name": duplicate.name,
		}
	).insert(ignore_permissions=True)

	result = merge_leads(duplicate.name, original.name)

	assert frappe.db.get_value("Opportunity", opp.name, "lead") == original.name
	assert frappe.db.get_value("ToDo", todo.name, "reference_name") == original.name
	assert frappe.db.get_value("Communication", comm.name, "reference_name") == original.name
	assert frappe.db.exists(
		"Comment", {"reference_doctype": "Lead", "reference_name": original.name, "content": "called them"}
	)
	assert result["moved"]["Opportunity.lead"] == 1
	original.reload()
	assert (original.phone, original.company_name) == ("+44 20 7946 0018", "Dup Ltd")  # blanks filled in
	assert frappe.db.get_value("Lead", duplicate.name, ["merged_into", "status"]) == (
		original.name,
		"Unqualified",
	)


def test_merge_into_itself_is_refused():
	lead = make_lead()
	with pytest.raises(frappe.ValidationError, match="itself"):
		merge_leads(lead.name, lead.name)
	assert frappe.db.get_value("Lead", lead.name, "merged_into") is None


def test_merge_of_a_converted_lead_or_into_a_merged_lead_is_refused():
	from crm_suite.sales.conversion import convert_lead

	a, b, c = make_lead(), make_lead(), make_lead()
	convert_lead(a.name)
	with pytest.raises(frappe.ValidationError, match="converted"):
		merge_leads(a.name, b.name)
	merge_leads(b.name, c.name)
	with pytest.raises(frappe.ValidationError, match="merged"):
		merge_leads(a.name, b.name)


def test_merge_needs_write_permission_on_both_leads():
	original, duplicate = make_lead(), make_lead()
	frappe.set_user(make_user("Support Agent").name)
	with pytest.raises(frappe.PermissionError):
		merge_leads(duplicate.name, original.name)
	frappe.set_user("Administrator")
	assert frappe.db.get_value("Lead", duplicate.name, "merged_into") is None


def test_merge_moves_interactions_and_they_count_as_engagement():
	original, duplicate = make_lead(), make_lead()
	interaction = frappe.get_doc(
		{
			"doctype": "Interaction",
			"subject": "Intro call",
			"channel": "Call",
			"direction": "Outbound",
			"interaction_time": frappe.utils.now_datetime(),
			"lead": duplicate.name,
			"reference_doctype": "Lead",
			"reference_name": duplicate.name,
		}
	).insert()
	merge_leads(duplicate.name, original.name)
	assert frappe.db.get_value("Interaction", interaction.name, ["lead", "reference_name"]) == (
		original.name,
		original.name,
	)
	from crm_suite.sales.scoring import interactions_of, rule_points, source_points_of

	assert interactions_of([original.name]) == {original.name: 1}
	original = frappe.get_doc("Lead", original.name)
	points = source_points_of(original.source)
	assert (
		original.score_rule_points
		== rule_points(original.as_dict(), 1, points)
		== rule_points(original.as_dict(), 0, points) + 5
	)


# ----------------------------------------------------------------- who may see which duplicate
@pytest.fixture
def sellers():
	"""Two Sales Users and a Sales Manager; bob's lead and alice's lead share an email, nobody is
	assigned either (the round robin would assign and share them)."""
	from tests.integration.sales.test_visibility import unassign

	alice, bob, boss = (
		make_user("Sales User").name,
		make_user("Sales User").name,
		make_user("Sales User", "Sales Manager").name,
	)
	email = f"{unique()}@example.com"
	frappe.set_user(bob)
	bobs = make_lead(email_id=email, first_name="Secretbob", last_name=unique())
	frappe.set_user("Administrator")
	unassign([bobs.name])
	return frappe._dict(alice=alice, bob=bob, boss=boss, email=email, bobs=bobs)


def seen_by(user: str, lead: str) -> str:
	"""The lead as `user` gets it from the desk form, frappe.client.get and REST (JSON text)."""
	frappe.set_user(user)
	from frappe.client import get

	doc = frappe.get_doc("Lead", lead)
	doc.check_permission("read")
	doc.apply_fieldlevel_read_permissions()
	text = frappe.as_json([doc.as_dict(), get("Lead", lead)])
	frappe.set_user("Administrator")
	return text


def test_with_own_records_a_lead_names_no_duplicate_its_readers_may_not_read(sellers):
	from crm_suite.sales.duplicates import get_duplicates
	from tests.integration.sales.test_visibility import own_records_only, unassign

	own_records_only(True)
	frappe.set_user(sellers.alice)
	alices = make_lead(email_id=sellers.email)
	frappe.set_user("Administrator")
	unassign([alices.name])
	# still flagged, and it says what matched, but not whose lead it is
	assert alices.is_duplicate == 1
	assert [
		(d.reference_doctype, d.reference_name, d.match_title, d.matched_on) for d in alices.duplicates
	] == [("Lead", None, None, "Email")]
	for text in (
		seen_by(sellers.alice, alices.name),
		*frappe.get_all("Version", {"ref_doctype": "Lead", "docname": alices.name}, pluck="data"),
	):
		assert "Secretbob" not in text and sellers.bobs.name not in text

	frappe.set_user(sellers.alice)  # may not read bob's lead: told one exists, not which
	assert get_duplicates(alices.name) == [
		{"doctype": "Lead", "name": None, "matched_on": "Email", "title": None}
	]
	frappe.set_user(sellers.bob)  # may not read alice's lead at all
	with pytest.raises(frappe.PermissionError):
		get_duplicates(alices.name)
	frappe.set_user(sellers.boss)  # a manager reads every lead: named
	assert [(m["name"], m["title"]) for m in get_duplicates(alices.name)] == [
		(sellers.bobs.name, sellers.bobs.lead_name)
	]

	frappe.set_user("Administrator")  # bob's lead assigned to alice: hers to read, so named for her
	from frappe.desk.form.assign_to import add as assign

	assign({"doctype": "Lead", "name": sellers.bobs.name, "assign_to": [sellers.alice]})
	frappe.set_user(sellers.alice)
	assert [m["name"] for m in get_duplicates(alices.name)] == [sellers.bobs.name]


def test_matches_stored_before_own_records_was_switched_on_are_hidden_from_who_may_not_read_them(
	sellers,
):
	from tests.integration.sales.test_visibility import own_records_only, unassign

	frappe.set_user(sellers.alice)  # option off: every seller sees every lead, the match is named
	alices = make_lead(email_id=sellers.email)
	frappe.set_user("Administrator")
	unassign([alices.name])
	assert [d.reference_name for d in alices.duplicates] == [sellers.bobs.name]
	assert "Secretbob" in seen_by(sellers.alice, alices.name)

	own_records_only(True)
	assert "Secretbob" not in seen_by(sellers.alice, alices.name)
	assert sellers.bobs.name not in seen_by(sellers.alice, alices.name)
	assert frappe.db.get_value("Lead", alices.name, "is_duplicate") == 1  # still flagged
	assert "Secretbob" in seen_by(sellers.boss, alices.name)
