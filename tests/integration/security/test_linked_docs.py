"""The submitted documents linked to a document (`frappe.desk.form.linked_with.get_submitted_linked_docs`,
the desk's "Cancel All Documents" dialog) come back only for a document the caller may read, and only those
the caller may read (crm_suite/api/generic.py).

Before, Frappe ignored its own permission check: a portal user and the Sales Manager limited to customer A
got the names of customer B's submitted orders."""

from __future__ import annotations

import frappe
import pytest
from frappe.handler import execute_cmd
from frappe.utils import nowdate

from tests.integration.factories import unique
from tests.integration.security.world import _raw, committed_world, http_request


@pytest.fixture(scope="module")
def shared_world(site):
	with committed_world() as world:
		yield world


@pytest.fixture
def world(shared_world):
	return frappe._dict(shared_world)


def linked(user: str, doctype: str, name: str) -> set[str]:
	frappe.set_user(user)
	http_request("GET")
	cmd = "frappe.desk.form.linked_with.get_submitted_linked_docs"
	frappe.local.form_dict = frappe._dict(cmd=cmd, doctype=doctype, name=name)
	try:
		return {d["name"] for d in execute_cmd(cmd)["docs"]}
	finally:
		frappe.local.request = None
		frappe.local.form_dict = frappe._dict()
		frappe.set_user("Administrator")


def order(world, customer: str, opportunity: str | None = None) -> str:
	return _raw(
		"Sales Order",
		customer=customer,
		opportunity=opportunity,
		transaction_date=nowdate(),
		docstatus=1,
		grand_total=555,
		items=[{"product": world.product, "qty": 1, "rate": 555, "amount": 555}],
	)


def test_submitted_documents_of_a_record_one_may_not_read_are_refused(world):
	of_b = order(world, world.b)
	for user in (world.portal, world.manager):
		with pytest.raises(frappe.PermissionError):
			linked(user, "Customer", world.b)
	assert of_b in linked(world.seller, "Customer", world.b)  # Sales Users read every customer and order


def test_only_the_linked_documents_one_may_read_come_back(world):
	deal = _raw("Opportunity", title=unique("Deal "), customer=world.a, opportunity_owner=world.manager)
	of_a, of_b = order(world, world.a, deal), order(world, world.b, deal)
	assert linked(world.manager, "Opportunity", deal) == {of_a}
	assert linked("Administrator", "Opportunity", deal) == {of_a, of_b}
