"""Interactions (links, derived customer, permissions) and the customer timeline (order, pagination, sources)."""

import frappe
import pytest
from frappe.utils import add_to_date, get_datetime, now_datetime

from crm_suite.crm.timeline import get_customer_timeline
from tests.integration.factories import make_customer, make_lead, make_opportunity, make_ticket, make_user


def interaction(**kw):
	return frappe.get_doc(
		{"doctype": "Interaction", "channel": "Call", "direction": "Inbound", **kw}
	).insert()


def test_customer_is_derived_from_the_linked_document():
	customer = make_customer()
	opp = make_opportunity(customer=customer.name)
	ticket = make_ticket(customer=customer.name)
	for doctype, name in (("Customer", customer.name), ("Opportunity", opp.name), ("Ticket", ticket.name)):
		assert interaction(reference_doctype=doctype, reference_name=name).customer == customer.name
	lead = make_lead()
	row = interaction(reference_doctype="Lead", reference_name=lead.name, channel="Meeting")
	assert (row.lead, row.customer, row.subject) == (lead.name, None, "Inbound Meeting")


@pytest.mark.parametrize(
	"kw, message",
	[
		({"reference_doctype": "User", "reference_name": "Administrator"}, "can be linked to"),
		({"reference_doctype": "Customer"}, "both"),
		({"duration": -5}, "negative"),
		({"channel": "Pigeon"}, "Channel"),
	],
)
def test_bad_interactions_are_refused(kw, message):
	before = frappe.db.count("Interaction")
	with pytest.raises(frappe.ValidationError, match=message):
		interaction(**kw)
	assert frappe.db.count("Interaction") == before


def test_interaction_permissions():
	customer = make_customer()
	frappe.set_user(make_user("Support Agent").name)
	assert interaction(reference_doctype="Customer", reference_name=customer.name).name
	frappe.set_user(make_user("Marketing Manager").name)
	with pytest.raises(frappe.PermissionError):
		interaction(reference_doctype="Customer", reference_name=customer.name)
	assert frappe.get_list("Interaction", filters={"customer": customer.name}, pluck="name")


def build_history():
	"""A customer with interactions, an email, an opportunity and a ticket at known times."""
	customer = make_customer()
	base = get_datetime("2026-01-01 09:00:00")
	items = []
	for i in range(5):
		row = interaction(
			reference_doctype="Customer",
			reference_name=customer.name,
			interaction_time=add_to_date(base, hours=i * 10),
		)
		items.append(("Interaction", row.name))
	opp = make_opportunity(customer=customer.name)
	frappe.db.set_value("Opportunity", opp.name, "creation", add_to_date(base, hours=15))
	ticket = make_ticket(customer=customer.name)
	frappe.db.set_value("Ticket", ticket.name, "opening_date", add_to_date(base, hours=25))
	comm = frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Email",
			"sent_or_received": "Received",
			"subject": "About my ticket",
			"reference_doctype": "Ticket",
			"reference_name": ticket.name,
			"communication_date": add_to_date(base, hours=35),
		}
	).insert(ignore_permissions=True)
	other = make_customer()
	interaction(reference_doctype="Customer", reference_name=other.name)  # must not show up
	return customer, opp, ticket, comm


def test_timeline_merges_sources_newest_first():
	customer, opp, ticket, comm = build_history()
	page = get_customer_timeline(customer.name, 0, 50)
	kinds = [(r.doctype, r.name) for r in page["items"]]
	assert len(kinds) == 8 and not page["has_more"]
	assert {d for d, _n in kinds} == {"Interaction", "Opportunity", "Ticket", "Communication"}
	times = [get_datetime(r.timestamp) for r in page["items"]]
	assert times == sorted(times, reverse=True)
	assert kinds[0] == ("Interaction", kinds[0][1])  # hour 40
	assert kinds[1] == ("Communication", comm.name)  # hour 35
	assert ("Ticket", ticket.name) in kinds and ("Opportunity", opp.name) in kinds


def test_timeline_pages_do_not_overlap_or_skip():
	customer, *_ = build_history()
	everything = [(r.doctype, r.name) for r in get_customer_timeline(customer.name, 0, 100)["items"]]
	pages, start = [], 0
	while True:
		page = get_customer_timeline(customer.name, start, 3)
		pages += [(r.doctype, r.name) for r in page["items"]]
		start += 3
		if not page["has_more"]:
			break
	assert pages == everything
	assert get_customer_timeline(customer.name, 100, 3)["items"] == []


def test_timeline_checks_permissions_and_input():
	customer = make_customer()
	interaction(reference_doctype="Customer", reference_name=customer.name)
	frappe.set_user(make_user("Sales User").name)
	assert len(get_customer_timeline(customer.name)["items"]) == 1
	frappe.set_user(make_user("Website Manager").name)
	with pytest.raises(frappe.PermissionError):
		get_customer_timeline(customer.name)
	frappe.set_user("Administrator")
	with pytest.raises(frappe.DoesNotExistError):
		get_customer_timeline("CUST-NOPE")


def test_timeline_leaves_out_sources_the_user_cannot_read():
	customer, *_ = build_history()
	frappe.set_user(make_user("Marketing Manager").name)  # reads Customer/Opportunity/Interaction, not Ticket
	doctypes = {r.doctype for r in get_customer_timeline(customer.name, 0, 50)["items"]}
	assert "Interaction" in doctypes
	assert "Ticket" not in doctypes and "Communication" not in doctypes  # the email was on the ticket


def test_timeline_over_rest(api_as, committed):
	customer = committed(make_customer())
	committed(
		interaction(
			reference_doctype="Customer", reference_name=customer.name, interaction_time=now_datetime()
		)
	)
	frappe.db.commit()
	api = api_as("Sales User")
	r = api.get(
		"/api/method/crm_suite.crm.timeline.get_customer_timeline", params={"customer": customer.name}
	)
	assert r.status_code == 200, r.text
	assert [i["doctype"] for i in r.json()["message"]["items"]] == ["Interaction"]


def test_deep_pages_give_the_same_order(monkeypatch):
	"""Pages past TOP_N_REACH sort the whole union; the order must be the same as the top-N path's."""
	from crm_suite.crm import timeline

	customer, *_ = build_history()
	near = [(r.doctype, r.name) for r in get_customer_timeline(customer.name, 0, 100)["items"]]
	monkeypatch.setattr(timeline, "TOP_N_REACH", 0)
	far = [(r.doctype, r.name) for r in get_customer_timeline(customer.name, 0, 100)["items"]]
	assert near == far and len(far) == 8
	assert [(r.doctype, r.name) for r in get_customer_timeline(customer.name, 3, 3)["items"]] == near[3:6]
