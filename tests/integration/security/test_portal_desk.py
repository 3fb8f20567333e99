"""A customer's contact (a website user) does not load the desk's form of their own ticket: its docinfo
carries the staff's internal comments, assignments and versions (crm_suite/service/portal.py `getdoc`,
`get_docinfo`). They read the ticket and its messages on the portal (/support).

Before, `frappe.desk.form.load.getdoc` and `get_docinfo` answered any user who may read the document, and a
portal user read the agents' internal notes on their ticket."""

from __future__ import annotations

import json

import frappe
import pytest
from frappe.handler import execute_cmd

from crm_suite.service.portal import create_ticket, get_ticket
from tests.integration.factories import make_user
from tests.integration.security.world import committed_world, http_request

NOTE = "Internal: this customer is on the watch list"


@pytest.fixture(scope="module")
def shared_world(site):
	with committed_world() as world:
		yield world


@pytest.fixture
def world(shared_world):
	return frappe._dict(shared_world)


def desk_load(user: str, cmd: str, ticket: str) -> str:
	"""The desk's call, as `user`, through Frappe's handler; what it answers, as text."""
	frappe.set_user(user)
	http_request("GET")
	frappe.local.form_dict = frappe._dict(cmd=cmd, doctype="Ticket", name=ticket)
	frappe.local.response = frappe._dict(docs=[])
	try:
		execute_cmd(cmd)
		return json.dumps(frappe.local.response, default=str)
	finally:
		frappe.local.request = None
		frappe.local.form_dict = frappe._dict()
		frappe.set_user("Administrator")


@pytest.mark.parametrize("cmd", ["frappe.desk.form.load.getdoc", "frappe.desk.form.load.get_docinfo"])
def test_a_portal_user_does_not_get_the_internal_comments_on_their_ticket(world, cmd):
	frappe.set_user(world.portal)
	http_request("POST")
	ticket = create_ticket("Invoice question", "Where is my invoice?")
	frappe.set_user("Administrator")
	frappe.get_doc(
		{
			"doctype": "Comment",
			"comment_type": "Comment",
			"reference_doctype": "Ticket",
			"reference_name": ticket,
			"content": NOTE,
		}
	).insert(ignore_permissions=True)

	with pytest.raises(frappe.PermissionError):
		desk_load(world.portal, cmd, ticket)
	frappe.set_user(world.portal)
	assert get_ticket(ticket)["ticket"]["name"] == ticket  # the portal still shows them their ticket
	assert NOTE in desk_load(make_user("Support Agent").name, cmd, ticket)  # the staff's form does


@pytest.mark.parametrize(
	"cmd, doctype, name",
	[
		("frappe.desk.form.load.getdoc", "No Such Doctype", "x"),
		("frappe.desk.form.load.getdoc", "Ticket", ""),
		("frappe.desk.form.load.get_docinfo", "No Such Doctype", "x"),
	],
)
def test_a_form_load_without_a_document_is_a_clear_error(cmd, doctype, name):
	agent = make_user("Support Agent").name
	frappe.set_user(agent)
	http_request("GET")
	frappe.local.form_dict = frappe._dict(cmd=cmd, doctype=doctype, name=name)
	try:
		with pytest.raises(frappe.ValidationError):  # Frappe's: an Exception or an ImportError, a 500
			execute_cmd(cmd)
	finally:
		frappe.local.request = None
		frappe.local.form_dict = frappe._dict()
