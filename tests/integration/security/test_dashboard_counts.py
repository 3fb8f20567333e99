"""A form's dashboard counts (`frappe.desk.notifications.get_open_count`: "Sales: Lead 2, Opportunity 3"
on a Customer) count only the linked records the caller may read (crm_suite/api/generic.py).

Before, Frappe counted them with `frappe.get_all`: the own-records Sales User saw how many leads,
opportunities, interactions and activities others have with a customer, and any doctype named in
`items`; a malformed `items` was a 500."""

from __future__ import annotations

import json

import frappe
import pytest
from frappe.handler import execute_cmd

from tests.integration.factories import unique
from tests.integration.security.world import _raw, committed_world, http_request, plant_hidden


@pytest.fixture(scope="module")
def shared_world(site):
	with committed_world() as world:
		yield world


@pytest.fixture
def world(shared_world):
	return frappe._dict(shared_world)


def open_count(
	user: str, customer: str, items: list[str] | str | None = None, doctype: str = "Customer"
) -> dict:
	"""The desk's call, as `user`, through Frappe's handler (override_whitelisted_methods included)."""
	frappe.set_user(user)
	http_request("GET")
	args = {"doctype": doctype, "name": customer}
	if items is not None:
		args["items"] = items if isinstance(items, str) else json.dumps(items)
	frappe.local.form_dict = frappe._dict(args, cmd="frappe.desk.notifications.get_open_count")
	try:
		return execute_cmd("frappe.desk.notifications.get_open_count")
	finally:
		frappe.local.request = None
		frappe.local.form_dict = frappe._dict()
		frappe.set_user("Administrator")


def counts(answer: dict) -> dict[str, int]:
	return {row["doctype"]: row["count"] for row in answer["count"]["external_links_found"]}


def test_the_customer_dashboard_counts_only_the_own_records_sellers_records(world):
	items = ["Lead", "Opportunity", "Ticket", "Interaction", "CRM Activity", "Sales Order"]
	before = counts(open_count(world.seller, world.b, items))
	hidden = plant_hidden(world, world.seller)
	assert hidden.get("Lead") and hidden.get("Opportunity")
	assert counts(open_count(world.seller, world.b, items)) == before
	# the dashboard's own items (no `items`: the Customer's dashboard configuration)
	assert counts(open_count(world.seller, world.b)) == {
		d: before[d] for d in ("Lead", "Opportunity", "Ticket")
	}
	# what they may read still counts: their own opportunity with B, and everything for Administrator
	_raw("Opportunity", title=unique("Mine "), customer=world.b, opportunity_owner=world.seller)
	assert counts(open_count(world.seller, world.b))["Opportunity"] == before["Opportunity"] + 1
	admin = counts(open_count("Administrator", world.b))
	assert admin["Lead"] == before["Lead"] + 1  # one hidden lead of B (the other is of another customer)
	assert admin["Opportunity"] == before["Opportunity"] + 3 + 1


@pytest.mark.parametrize("items", ["not json", '{"Lead": 1}', '["NoSuchDocType"]', '["Product"]'])
def test_malformed_items_are_a_clear_error(world, items):
	with pytest.raises(frappe.ValidationError):
		open_count(world.seller, world.b, items)


def test_an_unknown_doctype_is_a_clear_error(world):
	with pytest.raises(frappe.ValidationError):  # Frappe's: an ImportError, a 500
		open_count(world.seller, world.b, doctype="No Such Doctype")
