"""Builders for the activity tests."""

import frappe
from frappe.utils import add_to_date, now_datetime

from tests.integration.factories import unique


def make_activity(reference, **kw):
	return frappe.get_doc(
		{
			"doctype": "CRM Activity",
			"activity_type": "Call",
			"due_on": add_to_date(now_datetime(), hours=2),
			"reference_doctype": reference.doctype,
			"reference_name": reference.name,
			**kw,
		}
	).insert()


def make_plan(steps, **kw):
	return frappe.get_doc(
		{
			"doctype": "Activity Plan",
			"plan_name": unique("Plan "),
			"steps": steps,
			**kw,
		}
	).insert(ignore_permissions=True)


def next_activity(reference):
	return frappe.db.get_value(reference.doctype, reference.name, ["next_activity_on", "next_activity"])
