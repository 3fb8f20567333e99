"""Interactions (links, derived customer, permissions) and the customer timeline (order, pagination, sources)."""

import frappe
import pytest
from frappe.utils import add_to_date, get_datetime, now_datetime

from crm_suite.crm.timeline import get_customer_timeline
from tests.integration.factories import (
	make_contact,
	make_customer,
	make_lead,
	make_opportunity,
	make_ticket,
	make_user,
)


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


def email_on(doctype, name, when):
	return frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Email",
			"sent_or_received": "Received",
			"subject": f"About {name}",
			"reference_doctype": doctype,
			"reference_name": name,
			"communication_date": when,
		}
	).insert(ignore_permissions=True)


def restricted_history():
	"""A customer with 4 tickets and 2 opportunities (amounts 1,000 and 9,000), an interaction and an
	email on each, and 3 interactions on the customer itself: 21 entries at distinct times."""
	customer = make_customer()
	base = get_datetime("2026-02-01 09:00:00")
	hour = iter(range(100))
	records = [make_ticket(customer=customer.name) for _ in range(4)]
	records += [make_opportunity(customer=customer.name, amount=a) for a in (1000, 9000)]
	entries = {}
	for doc in records:
		field = "opening_date" if doc.doctype == "Ticket" else "creation"
		frappe.db.set_value(doc.doctype, doc.name, field, add_to_date(base, hours=next(hour)))
		row = interaction(
			reference_doctype=doc.doctype,
			reference_name=doc.name,
			interaction_time=add_to_date(base, hours=next(hour)),
		)
		email = email_on(doc.doctype, doc.name, add_to_date(base, hours=next(hour)))
		entries[doc.name] = {
			(doc.doctype, doc.name),
			("Interaction", row.name),
			("Communication", email.name),
		}
	own = {
		(
			"Interaction",
			interaction(
				reference_doctype="Customer",
				reference_name=customer.name,
				interaction_time=add_to_date(base, hours=next(hour)),
			).name,
		)
		for _ in range(3)
	}
	return customer, records, entries, own


def all_pages(customer: str, page_length: int) -> list[tuple[str, str]]:
	seen, start = [], 0
	while True:
		page = get_customer_timeline(customer, start, page_length)
		seen += [(r.doctype, r.name) for r in page["items"]]
		start += page_length
		if not page["has_more"]:
			return seen


def assert_timeline_is(customer: str, expected: set, monkeypatch):
	"""Exactly `expected`, newest first, and the same through small pages on both query paths."""
	from crm_suite.crm import timeline

	everything = [(r.doctype, r.name) for r in get_customer_timeline(customer, 0, 100)["items"]]
	assert set(everything) == expected and len(everything) == len(expected)
	assert all_pages(customer, 4) == everything
	monkeypatch.setattr(timeline, "TOP_N_REACH", 0)
	assert all_pages(customer, 4) == everything
	monkeypatch.undo()


def test_timeline_honours_user_permissions_inside_the_query(monkeypatch):
	"""A User Permission on Ticket: the user reads the customer but only one of its tickets, so the other
	tickets, and the emails and interactions on them, are not on the timeline; pages stay exact."""
	customer, records, entries, own = restricted_history()
	tickets = [r for r in records if r.doctype == "Ticket"]
	everything = own.union(*entries.values())
	user = make_user("Sales User", "Support Agent").name
	frappe.set_user(user)
	assert_timeline_is(customer.name, everything, monkeypatch)  # unrestricted: all 21

	frappe.set_user("Administrator")
	frappe.get_doc(
		{"doctype": "User Permission", "user": user, "allow": "Ticket", "for_value": tickets[0].name}
	).insert(ignore_permissions=True)
	frappe.set_user(user)
	hidden = set().union(*(entries[t.name] for t in tickets[1:]))
	assert_timeline_is(customer.name, everything - hidden, monkeypatch)  # 12
	assert not frappe.has_permission("Ticket", "read", doc=tickets[1].name)  # what the desk would say


def test_timeline_honours_permission_query_conditions(monkeypatch, permission_query_script):
	"""A permission query (the same path as a `permission_query_conditions` hook) hiding big opportunities:
	that opportunity, its email and its interaction leave the timeline."""
	customer, records, entries, own = restricted_history()
	big = next(r for r in records if r.doctype == "Opportunity" and r.amount == 9000)
	everything = own.union(*entries.values())
	user = make_user("Sales User", "Support Agent").name
	permission_query_script("Opportunity", "conditions = '`tabOpportunity`.`amount` < 5000'")
	frappe.set_user(user)
	assert_timeline_is(customer.name, everything - entries[big.name], monkeypatch)
	assert big.name not in frappe.get_list("Opportunity", {"customer": customer.name}, pluck="name")
	frappe.set_user("Administrator")  # a permission query applies to every user, as in frappe.get_list
	assert_timeline_is(customer.name, everything - entries[big.name], monkeypatch)


def test_a_user_permission_on_customer_refuses_other_customers():
	mine, other = make_customer(), make_customer()
	# the other customer has an entry the user could otherwise read: none of it may reach the user
	interaction(reference_doctype="Customer", reference_name=other.name)
	user = make_user("Sales User").name
	frappe.get_doc(
		{"doctype": "User Permission", "user": user, "allow": "Customer", "for_value": mine.name}
	).insert(ignore_permissions=True)
	frappe.set_user(user)
	assert get_customer_timeline(mine.name)["items"] == []
	with pytest.raises(frappe.PermissionError):
		get_customer_timeline(other.name)
	frappe.set_user("Administrator")
	assert len(get_customer_timeline(other.name)["items"]) == 1


def restrict_tickets_to(user: str, ticket: str) -> None:
	frappe.get_doc(
		{"doctype": "User Permission", "user": user, "allow": "Ticket", "for_value": ticket}
	).insert(ignore_permissions=True)


def test_an_email_from_the_customers_contact_on_a_hidden_ticket_is_left_out(monkeypatch):
	"""Frappe links a contact's customer to every email the contact sends (add_contact_links_to_communication),
	so an email on a ticket the user may not read also reaches the customer through Communication Link."""
	customer, records, entries, own = restricted_history()
	tickets = [r for r in records if r.doctype == "Ticket"]
	contact = make_contact(
		customer.name,
		"Timeline",
		email=f"{frappe.generate_hash(length=8)}@example.com",
		ignore_permissions=True,
	)
	email = frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Email",
			"sent_or_received": "Received",
			"sender": contact.email_id,
			"subject": "Still on fire",
			"reference_doctype": "Ticket",
			"reference_name": tickets[1].name,
			"communication_date": get_datetime("2026-02-10 09:00:00"),
		}
	).insert(ignore_permissions=True)
	assert {(link.link_doctype, link.link_name) for link in email.timeline_links} >= {
		("Customer", customer.name)
	}
	entries[tickets[1].name].add(("Communication", email.name))
	everything = own.union(*entries.values())
	user = make_user("Sales User", "Support Agent").name
	frappe.set_user(user)
	assert_timeline_is(customer.name, everything, monkeypatch)

	frappe.set_user("Administrator")
	restrict_tickets_to(user, tickets[0].name)
	frappe.set_user(user)
	hidden = set().union(*(entries[t.name] for t in tickets[1:]))
	assert ("Communication", email.name) in hidden
	assert_timeline_is(customer.name, everything - hidden, monkeypatch)


def test_entries_on_no_record_stay_for_a_restricted_user(monkeypatch):
	"""An interaction without a link (reference_doctype NULL) or an email only linked to the customer is on
	no ticket or opportunity: a rule on tickets must not hide it."""
	customer, records, entries, own = restricted_history()
	tickets = [r for r in records if r.doctype == "Ticket"]
	loose = interaction(customer=customer.name, interaction_time=get_datetime("2026-02-20 09:00:00"))
	assert loose.reference_doctype is None and loose.customer == customer.name
	user = make_user("Sales User", "Support Agent").name
	restrict_tickets_to(user, tickets[0].name)
	frappe.set_user(user)
	hidden = set().union(*(entries[t.name] for t in tickets[1:]))
	expected = own.union(*entries.values(), {("Interaction", loose.name)}) - hidden
	assert_timeline_is(customer.name, expected, monkeypatch)


def test_interactions_on_a_lead_follow_the_leads_read_rules(monkeypatch, permission_query_script):
	"""A converted lead carries the customer, so its interactions are on the customer's timeline, but only
	for users who may read that lead (here a permission query hides it; the Interaction follows its lead in
	lists and REST too, crm_suite/activities/permissions.py)."""
	customer = make_customer()
	lead = make_lead(customer=customer.name)
	on_lead = interaction(reference_doctype="Lead", reference_name=lead.name)
	assert on_lead.customer == customer.name
	on_customer = interaction(reference_doctype="Customer", reference_name=customer.name)
	user = make_user("Sales User").name
	frappe.set_user(user)
	both = {("Interaction", on_lead.name), ("Interaction", on_customer.name)}
	assert_timeline_is(customer.name, both, monkeypatch)
	frappe.set_user("Administrator")
	permission_query_script("Lead", f"conditions = \"`tabLead`.`name` != '{lead.name}'\"")
	frappe.set_user(user)
	assert lead.name not in frappe.get_list("Lead", {"customer": customer.name}, pluck="name")
	assert frappe.get_list("Interaction", {"customer": customer.name}, pluck="name") == [on_customer.name]
	assert_timeline_is(customer.name, {("Interaction", on_customer.name)}, monkeypatch)


def test_a_user_who_reads_tickets_only_through_shares_sees_only_the_shared_one(monkeypatch):
	"""Marketing Manager has no role permission on Ticket; a ticket shared with the user shows, with its
	email and interaction, and the other tickets don't."""
	customer, records, entries, own = restricted_history()
	tickets = [r for r in records if r.doctype == "Ticket"]
	user = make_user("Marketing Manager").name
	frappe.set_user(user)
	no_tickets = own.union(*(entries[r.name] for r in records if r.doctype == "Opportunity"))
	assert_timeline_is(customer.name, no_tickets, monkeypatch)

	frappe.set_user("Administrator")
	frappe.share.add_docshare("Ticket", tickets[2].name, user, read=1, flags={"ignore_share_permission": 1})
	frappe.set_user(user)
	assert frappe.has_permission("Ticket", "read", doc=tickets[2].name)
	assert not frappe.has_permission("Ticket", "read", doc=tickets[0].name)
	assert_timeline_is(customer.name, no_tickets | entries[tickets[2].name], monkeypatch)


def test_an_if_owner_rule_shows_only_the_users_own_tickets(monkeypatch, if_owner_ticket_role):
	customer, records, entries, own = restricted_history()
	tickets = [r for r in records if r.doctype == "Ticket"]
	user = make_user("Marketing Manager", if_owner_ticket_role).name
	frappe.db.set_value("Ticket", tickets[3].name, "owner", user, update_modified=False)
	frappe.set_user(user)
	assert frappe.has_permission("Ticket", "read", doc=tickets[3].name)
	assert not frappe.has_permission("Ticket", "read", doc=tickets[1].name)
	opportunities = own.union(*(entries[r.name] for r in records if r.doctype == "Opportunity"))
	assert_timeline_is(customer.name, opportunities | entries[tickets[3].name], monkeypatch)


@pytest.fixture
def if_owner_ticket_role():
	"""A role that reads only the tickets its users own (a Custom DocPerm with If Owner, the standard
	rules copied first as Role Permissions Manager does); rolled back, caches cleared."""
	from frappe.permissions import setup_custom_perms

	role = frappe.get_doc({"doctype": "Role", "role_name": f"Ticket Owner {frappe.generate_hash(length=6)}"})
	role.insert(ignore_permissions=True)
	setup_custom_perms("Ticket")
	frappe.get_doc(
		{
			"doctype": "Custom DocPerm",
			"parent": "Ticket",
			"parenttype": "DocType",
			"parentfield": "permissions",
			"role": role.name,
			"permlevel": 0,
			"read": 1,
			"if_owner": 1,
		}
	).insert(ignore_permissions=True)
	frappe.clear_cache(doctype="Ticket")
	yield role.name
	frappe.db.rollback()
	frappe.clear_cache(doctype="Ticket")


@pytest.fixture
def permission_query_script():
	"""permission_query_script(doctype, script): a Permission Query Server Script for the test; the
	cached script map is cleared afterwards, as the rollback removes the script."""

	def make(doctype: str, script: str):
		frappe.get_doc(
			{
				"doctype": "Server Script",
				"name": f"Timeline test {doctype} {frappe.generate_hash(length=6)}",
				"script_type": "Permission Query",
				"reference_doctype": doctype,
				"script": script,
			}
		).insert(ignore_permissions=True)

	yield make
	frappe.db.rollback()
	frappe.cache.delete_value("server_script_map")
