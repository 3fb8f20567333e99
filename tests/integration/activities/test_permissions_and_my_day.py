"""Who may and who may not: activities follow their record (role permissions, the own-records option of
CRM Settings, User Permissions); My Day shows a user only their own work, and each section only to roles
that may read it."""

import frappe
import pytest
from frappe.utils import add_days, add_to_date, get_datetime, now_datetime, nowdate

from crm_suite.activities import api
from crm_suite.activities.my_day import get_my_day
from tests.integration.activities.helpers import make_activity
from tests.integration.factories import make_customer, make_lead, make_ticket, make_user

PTYPES = {"r": "read", "w": "write", "c": "create", "d": "delete"}
CAN = {
	"Sales User": "rwc",
	"Support Agent": "rwc",
	"Sales Manager": "rwcd",
	"Support Manager": "rwcd",
	"CRM Manager": "rwcd",
	"Marketing Manager": "r",
	"Support Customer": "",
	"": "",
}


@pytest.fixture
def own_records():
	frappe.db.set_single_value("CRM Settings", "sales_users_see_own_records", 1)
	yield
	frappe.db.set_single_value("CRM Settings", "sales_users_see_own_records", 0)


@pytest.mark.parametrize("role", CAN)
def test_role_permissions_on_activities(role):
	user = make_user(*([role] if role else []))
	for letter, ptype in PTYPES.items():
		assert frappe.has_permission("CRM Activity", ptype, user=user.name) == (letter in CAN[role]), (
			role,
			ptype,
		)
	assert not frappe.has_permission("Activity Settings", "write", user=user.name) or role == "CRM Manager"


def test_an_activity_follows_its_record_for_each_role():
	lead_activity = make_activity(make_lead())
	ticket_activity = make_activity(make_ticket())
	agent = make_user("Support Agent")
	seller = make_user("Sales User")
	frappe.set_user(agent.name)
	names = frappe.get_list("CRM Activity", pluck="name", limit_page_length=0)
	assert ticket_activity.name in names and lead_activity.name not in names  # agents may not read leads
	assert not frappe.has_permission("CRM Activity", "read", doc=lead_activity.name)
	with pytest.raises(frappe.PermissionError):
		make_activity(make_lead_as_admin())
	frappe.set_user(seller.name)
	names = frappe.get_list("CRM Activity", pluck="name", limit_page_length=0)
	assert {lead_activity.name, ticket_activity.name} <= set(names)  # sellers read tickets too


def make_lead_as_admin():
	user = frappe.session.user
	frappe.set_user("Administrator")
	lead = make_lead()
	frappe.set_user(user)
	return lead


def test_own_records_seller_sees_only_activities_on_their_records(own_records):
	mine, theirs = make_user("Sales User"), make_user("Sales User")
	my_lead, their_lead = make_lead(lead_owner=mine.name), make_lead(lead_owner=theirs.name)
	for lead in (my_lead, their_lead):
		frappe.db.set_value("Lead", lead.name, "_assign", None)
	on_mine = make_activity(my_lead, assigned_to=mine.name)
	on_theirs = make_activity(their_lead, assigned_to=theirs.name)
	frappe.set_user(mine.name)
	names = frappe.get_list("CRM Activity", pluck="name", limit_page_length=0)
	assert on_mine.name in names and on_theirs.name not in names
	assert (
		frappe.get_list("CRM Activity", fields=["count(*) as n"], filters={"name": on_theirs.name})[0].n == 0
	)
	assert not frappe.has_permission("CRM Activity", "read", doc=on_theirs.name)
	with pytest.raises(frappe.PermissionError):
		api.complete_activity(on_theirs.name, "not mine")
	with pytest.raises(frappe.PermissionError):
		api.get_record_activities("Lead", their_lead.name)
	with pytest.raises(frappe.PermissionError):
		make_activity(their_lead)
	assert api.get_record_activities("Lead", my_lead.name)["open"][0].name == on_mine.name
	# an activity on their lead assigned to me (before the option) stays out of my day
	frappe.set_user("Administrator")
	frappe.db.set_single_value("CRM Settings", "sales_users_see_own_records", 0)
	stray = make_activity(their_lead, assigned_to=mine.name, due_on=add_days(now_datetime(), -1))
	frappe.db.set_single_value("CRM Settings", "sales_users_see_own_records", 1)
	frappe.set_user(mine.name)
	day = get_my_day()
	assert stray.name not in [r.name for r in day["overdue"]["rows"]]


def test_a_user_permission_limits_activities_too():
	seller = make_user("Sales User")
	allowed, other = make_customer(), make_customer()
	frappe.get_doc(
		{"doctype": "User Permission", "user": seller.name, "allow": "Customer", "for_value": allowed.name}
	).insert(ignore_permissions=True)
	visible, hidden = make_activity(allowed), make_activity(other)
	frappe.set_user(seller.name)
	names = frappe.get_list("CRM Activity", pluck="name", limit_page_length=0)
	assert visible.name in names and hidden.name not in names


def test_my_day_gathers_the_users_work_and_only_theirs():
	me, colleague = make_user("Sales User", "Support Agent"), make_user("Sales User", "Support Agent")
	# My Day as at noon today: "a minute from now" is tomorrow from 23:59 in the site's time zone (failed
	# then: "Soon" was not among today's activities)
	now = get_datetime(f"{nowdate()} 12:00:00")
	customer = make_customer(account_manager=me.name)
	frappe.db.set_value("Customer", customer.name, {"churn_risk": 1, "monetary": 500})
	other_customer = make_customer(account_manager=colleague.name)
	frappe.db.set_value("Customer", other_customer.name, "churn_risk", 1)
	overdue = make_activity(customer, assigned_to=me.name, due_on=add_days(now, -2), subject="Overdue call")
	today_all_day = make_activity(
		customer, assigned_to=me.name, due_on=now, all_day=1, subject="Some time today"
	)
	later_today = make_activity(
		customer, assigned_to=me.name, due_on=add_to_date(now, minutes=1), subject="Soon"
	)
	tomorrow = make_activity(customer, assigned_to=me.name, due_on=add_days(now, 1), subject="Tomorrow")
	colleagues = make_activity(customer, assigned_to=colleague.name, due_on=add_days(now, -1))
	breached = make_ticket(customer=customer.name, agent=me.name)
	frappe.db.set_value(
		"Ticket",
		breached.name,
		{"status": "Open", "agreement_status": "Failed", "resolution_by": add_days(now, -1)},
	)
	at_risk = make_ticket(customer=customer.name, agent=me.name)
	frappe.db.set_value(
		"Ticket",
		at_risk.name,
		{
			"status": "Open",
			"agreement_status": "First Response Due",
			"response_by": add_to_date(now, minutes=30),
			"first_responded_on": None,
		},
	)
	calm = make_ticket(customer=customer.name, agent=me.name)
	frappe.db.set_value(
		"Ticket",
		calm.name,
		{"agreement_status": "Resolution Due", "resolution_by": add_days(now, 3), "first_responded_on": now},
	)
	hot, cold = make_lead(lead_owner=me.name), make_lead(lead_owner=me.name)
	for lead, score in ((hot, 95), (cold, 10)):  # unassigned, untouched for ten days
		frappe.db.set_value(
			"Lead",
			lead.name,
			{"lead_score": score, "modified": add_days(now, -10), "_assign": None},
			update_modified=False,
		)
	fresh = make_lead(lead_owner=me.name)
	frappe.db.set_value("Lead", fresh.name, {"lead_score": 95, "_assign": None})
	missed = frappe.get_doc(
		{
			"doctype": "Interaction",
			"channel": "Call",
			"call_status": "Missed",
			"agent": me.name,
			"phone_number": "+4930123456",
			"interaction_time": add_to_date(now, hours=-1),
			"reference_doctype": "Customer",
			"reference_name": customer.name,
		}
	).insert()

	frappe.set_user(me.name)
	day = get_my_day(now=now)
	rows = lambda key: [r.name for r in day[key]["rows"]]  # noqa: E731
	assert rows("overdue") == [overdue.name]
	assert set(rows("today")) == {today_all_day.name, later_today.name}
	assert tomorrow.name not in rows("today") and colleagues.name not in rows("overdue")
	assert day["overdue"]["count"] == 1 and day["today"]["count"] == 2
	assert rows("tickets") == [breached.name, at_risk.name]
	assert [r.sla_state for r in day["tickets"]["rows"]] == ["Breached", "At Risk"]
	assert rows("hot_leads") == [hot.name]
	assert rows("at_risk_customers") == [customer.name]
	assert rows("missed_calls") == [missed.name]
	# acting on a row takes it off
	api.resolve_missed_call(missed.name)
	api.complete_activity(overdue.name, "Called")
	frappe.set_user("Administrator")
	make_activity(hot, assigned_to=me.name, due_on=add_days(now, 2))
	frappe.set_user(me.name)
	day = get_my_day(now=now)
	assert not day["missed_calls"]["rows"] and not day["overdue"]["rows"] and not day["hot_leads"]["rows"]


def test_my_day_sections_follow_the_roles():
	frappe.set_user(make_user("Support Agent").name)
	day = api.get_my_day()
	assert "hot_leads" not in day and {"overdue", "today", "tickets", "at_risk_customers"} <= set(day)
	frappe.set_user(make_user("Marketing Manager").name)
	day = api.get_my_day()
	assert "tickets" not in day and "hot_leads" in day
	frappe.set_user("Guest")
	with pytest.raises(frappe.PermissionError):
		api.get_my_day()


def test_missed_call_of_someone_else_cannot_be_resolved():
	owner, other = make_user("Support Agent"), make_user("Support Agent")
	call = frappe.get_doc(
		{
			"doctype": "Interaction",
			"channel": "Call",
			"call_status": "Missed",
			"agent": owner.name,
			"interaction_time": now_datetime(),
		}
	).insert()
	frappe.set_user(other.name)
	with pytest.raises(frappe.PermissionError):
		api.resolve_missed_call(call.name)
