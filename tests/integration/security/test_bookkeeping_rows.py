"""The rows the app keeps beside the records (Customer Order Summary, Channel Inbox, Deferred Automation,
Lead Import Chunk, Frappe's Data Import Log), read through every list door (Frappe's list, the generic
count, reportview's count) by each caller an attacker would be.

- Customer Order Summary names its customer as plain data, so Frappe's User Permissions on Customer did not
  reach it: a CRM Manager limited to customer A read customer B's order totals (failed on the code before);
  now a row follows its customer.
- The others (phone numbers and texts, a saved record's JSON, which row became which lead, an import's
  messages) are for System Managers (the inbox also CRM Managers): every other caller is refused."""

import json

import frappe
import pytest
from frappe.desk.reportview import get_count as frappe_reportview_count

from crm_suite.api.generic import get_count
from tests.integration.factories import make_user
from tests.integration.security.world import GUEST, limit_to_customer, make_world

REFUSED = (frappe.PermissionError,)


def summary_row(customer: str, total: float) -> None:
	frappe.db.sql(
		"""insert into `tabCustomer Order Summary`
		(name, customer, order_count, lifetime_value, creation, modified, owner, modified_by)
		values (%s, %s, 1, %s, now(), now(), 'Administrator', 'Administrator')""",
		(customer, customer, total),
	)


def reportview_count(doctype: str) -> int:
	"""frappe.desk.reportview.get_count as the list view calls it (its arguments in form_dict)."""
	frappe.local.form_dict = frappe._dict(doctype=doctype, filters="[]")
	try:
		return frappe_reportview_count()
	finally:
		frappe.local.form_dict = frappe._dict()


def readable(doctype: str) -> list[str]:
	"""What each list door gives the session user (the names, and the counts that must match)."""
	names = frappe.get_list(doctype, pluck="name", limit_page_length=0)
	assert get_count(doctype) == len(names)
	assert reportview_count(doctype) == len(names)
	return names


def test_a_customers_order_totals_follow_the_customer():
	world = make_world()
	for customer in (world.a, world.b):
		frappe.db.delete("Customer Order Summary", {"customer": customer})
		summary_row(customer, 1000)
	limited = make_user("CRM Manager")
	limit_to_customer(limited.name, world.a)
	unlimited = make_user("CRM Manager")

	frappe.set_user(limited.name)
	names = readable("Customer Order Summary")
	assert world.a in names and world.b not in names
	assert frappe.has_permission("Customer Order Summary", "read", doc=world.a)
	assert not frappe.has_permission("Customer Order Summary", "read", doc=world.b)
	with pytest.raises(frappe.PermissionError):
		frappe.client.get("Customer Order Summary", world.b)

	frappe.set_user(unlimited.name)
	assert {world.a, world.b} <= set(readable("Customer Order Summary"))


@pytest.mark.parametrize(
	"doctype", ["Channel Inbox", "Deferred Automation", "Lead Import Chunk", "Data Import Log"]
)
def test_bookkeeping_rows_are_closed_to_every_other_caller(doctype):
	world = make_world()
	frappe.get_doc(
		{"doctype": "Lead Import Chunk", "data_import": "x", "first_row": 2, "leads": json.dumps({"2": "L"})}
	).db_insert()
	callers = {**world.callers, "Support Agent": make_user("Support Agent").name}
	for who, user in callers.items():
		frappe.set_user(user)
		for door in (
			lambda: frappe.get_list(doctype, fields=["*"]),
			lambda: get_count(doctype),
			lambda: reportview_count(doctype),
		):
			with pytest.raises(REFUSED):
				door()
				pytest.fail(f"{who} read {doctype}")
		frappe.local.message_log = []
	frappe.set_user("Administrator")
	assert GUEST in callers.values()
