"""Child table rows through Frappe's list door (`frappe.client.get_list` with `parent`): a row comes back
only when the caller may read its parent document and the parent's table field (crm_suite/utils/child_rows.py).

Before, Frappe checked only that the caller may read some document of the parent doctype and returned the
rows of every parent: a portal user got every Contact's emails, phones and customer links; the own-records
Sales User the duplicate matches of others' leads; the Sales Manager limited to customer A the items of
customer B's orders; a Sales User the members of segments (a permission level 1 table)."""

from __future__ import annotations

import frappe
import pytest
from frappe.handler import execute_cmd

from tests.integration.factories import make_user, unique
from tests.integration.security.world import _raw, committed_world, http_request


@pytest.fixture(scope="module")
def shared_world(site):
	with committed_world() as world:
		yield world


@pytest.fixture
def world(shared_world):
	return frappe._dict(shared_world)


def child_rows(user: str, doctype: str, parent: str) -> list[dict]:
	"""`/api/method/frappe.client.get_list` of a child doctype, as `user`, through Frappe's handler."""
	frappe.set_user(user)
	http_request("GET")
	frappe.local.form_dict = frappe._dict(
		cmd="frappe.client.get_list",
		doctype=doctype,
		parent=parent,
		fields='["name", "parent"]',
		limit_page_length=0,
	)
	try:
		return execute_cmd("frappe.client.get_list")
	finally:
		frappe.local.request = None
		frappe.local.form_dict = frappe._dict()
		frappe.set_user("Administrator")


def parents(rows: list[dict]) -> set[str]:
	return {row["parent"] for row in rows}


def contact(customer: str) -> str:
	return _raw(
		"Contact",
		first_name="Secret",
		last_name=unique(),
		email_ids=[{"email_id": f"{unique('secret-')}@example.com", "is_primary": 1}],
		phone_nos=[{"phone": "+39 333 999 1111", "is_primary_mobile_no": 1}],
		links=[{"link_doctype": "Customer", "link_name": customer}],
	)


def test_a_portal_user_gets_no_other_contacts_emails_phones_or_customer_links(world):
	others = contact(world.b)
	own = contact(world.a)
	frappe.db.set_value("Contact", own, "owner", world.portal, update_modified=False)
	for doctype in ("Contact Email", "Contact Phone", "Dynamic Link"):
		rows = parents(child_rows(world.portal, doctype, "Contact"))
		assert others not in rows, doctype
		assert own in rows, doctype  # the Contact they made (role All reads its own)


def test_a_portal_user_gets_no_other_users_roles(world):
	rows = parents(child_rows(world.portal, "Has Role", "User"))
	assert rows <= {world.portal}


def duplicate_row(lead: str) -> None:
	frappe.get_doc(
		{
			"doctype": "Lead Duplicate",
			"name": unique("dup-"),
			"parent": lead,
			"parenttype": "Lead",
			"parentfield": "duplicates",
			"reference_doctype": "Lead",
			"reference_name": lead,
			"matched_on": "Email",
			"match_title": "Somebody else's lead",
		}
	).db_insert()


def test_an_own_records_seller_gets_only_the_duplicate_matches_of_their_leads(world):
	others = _raw("Lead", first_name="Other", last_name=unique(), lead_owner="Administrator")
	mine = _raw("Lead", first_name="Mine", last_name=unique(), lead_owner=world.seller)
	frappe.db.set_value("Lead", mine, "owner", world.seller, update_modified=False)
	duplicate_row(others)
	duplicate_row(mine)
	assert parents(child_rows(world.seller, "Lead Duplicate", "Lead")) == {mine}


def test_a_manager_limited_to_customer_a_gets_only_customer_a_order_items(world):
	def order(customer: str) -> str:
		return _raw(
			"Sales Order",
			customer=customer,
			transaction_date=frappe.utils.nowdate(),
			docstatus=1,
			grand_total=555,
			items=[{"product": world.product, "qty": 1, "rate": 555, "amount": 555}],
		)

	of_a, of_b = order(world.a), order(world.b)
	rows = parents(child_rows(world.manager, "Sales Order Item", "Sales Order"))
	assert of_a in rows
	assert of_b not in rows


def test_segment_members_need_the_members_permission_level(world):
	segment = _raw(
		"Segment",
		segment_name=unique("Segment "),
		based_on="Lead",
		segment_type="Static List",
		members=[{"member_doctype": "Lead", "member": unique(), "member_title": "Somebody"}],
	)
	seller = make_user("Sales User").name  # reads segments, not their members (permission level 1)
	marketer = make_user("Marketing Manager").name
	assert segment not in parents(child_rows(seller, "Segment Member", "Segment"))
	assert segment in parents(child_rows(marketer, "Segment Member", "Segment"))


def segment_columns(user: str, segment: str) -> list[dict]:
	"""The members as a column of the segment list (`/api/method/frappe.client.get_list` of Segment with a
	field of its child table), as `user`."""
	frappe.set_user(user)
	http_request("GET")
	frappe.local.form_dict = frappe._dict(
		cmd="frappe.client.get_list",
		doctype="Segment",
		fields='["name", "`tabSegment Member`.`member_title`"]',
		filters=f'{{"name": "{segment}"}}',
	)
	try:
		return execute_cmd("frappe.client.get_list")
	finally:
		frappe.local.request = None
		frappe.local.form_dict = frappe._dict()
		frappe.set_user("Administrator")


def test_segment_members_as_a_column_of_the_segment_list_need_the_permission_level_too(world):
	segment = _raw(
		"Segment",
		segment_name=unique("Segment "),
		based_on="Lead",
		segment_type="Static List",
		members=[{"member_doctype": "Lead", "member": unique(), "member_title": "Somebody"}],
	)
	seller = make_user("Sales User").name
	marketer = make_user("Marketing Manager").name
	assert [row.get("member_title") for row in segment_columns(seller, segment)] == [None]
	assert [row.get("member_title") for row in segment_columns(marketer, segment)] == ["Somebody"]
