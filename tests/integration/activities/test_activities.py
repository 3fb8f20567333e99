"""Planned activities: planning, the record's next activity, done → Interaction, cancel, closed ones are
final, bad input refused with a message; activity plans by hand and on a lead status; a merge moves them."""

from datetime import datetime, timedelta

import frappe
import pytest
from frappe.utils import add_to_date, get_datetime, now_datetime

from crm_suite.activities import api, plans
from tests.integration.activities.helpers import make_activity, make_plan, next_activity
from tests.integration.factories import (
	make_campaign,
	make_customer,
	make_lead,
	make_opportunity,
	make_ticket,
	make_user,
)


@pytest.fixture
def seller():
	user = make_user("Sales User")
	frappe.set_user(user.name)
	return user.name


@pytest.mark.parametrize("factory", [make_lead, make_opportunity, make_customer, make_ticket])
def test_an_activity_on_each_kind_of_record_becomes_its_next_activity(factory):
	record = factory()
	later = make_activity(record, due_on=add_to_date(now_datetime(), days=3), subject="Later")
	sooner = make_activity(record, due_on=add_to_date(now_datetime(), days=1), subject="Sooner")
	assert next_activity(record) == (get_datetime(sooner.due_on), "Sooner")
	assert sooner.reference_title and sooner.ends_on == get_datetime(sooner.due_on) + timedelta(minutes=30)
	api.complete_activity(sooner.name, "Reached them")
	assert next_activity(record) == (get_datetime(later.due_on), "Later")
	api.cancel_activity(later.name, "Not needed")
	assert next_activity(record) == (None, None)


def test_done_becomes_an_interaction_on_the_timeline(seller):
	customer = make_customer()
	activity = make_activity(
		customer, activity_type="Meeting", subject="Quarterly review", note="<p>Bring figures</p>"
	)
	result = api.complete_activity(activity.name, "They will order 20 more")
	interaction = frappe.get_doc("Interaction", result["interaction"])
	assert (interaction.channel, interaction.direction, interaction.customer) == (
		"Meeting",
		"Outbound",
		customer.name,
	)
	assert (interaction.reference_doctype, interaction.reference_name) == ("Customer", customer.name)
	assert interaction.agent == seller and "They will order 20 more" in interaction.notes
	activity.reload()
	assert (activity.status, activity.closed_by, activity.interaction) == ("Done", seller, interaction.name)
	from crm_suite.crm.timeline import get_customer_timeline

	items = get_customer_timeline(customer.name)["items"]
	assert any(i["doctype"] == "Interaction" and i["name"] == interaction.name for i in items)


def test_a_done_task_and_the_lead_form_timeline():
	lead = make_lead()
	task = make_activity(lead, activity_type="Task", subject="Send the brochure")
	api.complete_activity(task.name, "Sent")
	from crm_suite.activities.timeline import interactions

	content = interactions("Lead", lead.name)
	assert len(content) == 1 and "Send the brochure" in content[0]["content"]
	from frappe.desk.form.load import get_additional_timeline_content

	assert get_additional_timeline_content("Lead", lead.name) == content


@pytest.mark.parametrize("factory", [make_lead, make_opportunity, make_customer, make_ticket])
def test_a_cancelled_activity_shows_on_the_form_timeline_with_why(factory):
	record = factory()
	frappe.set_user(make_user("CRM Manager").name)
	call = make_activity(record, subject="Call about the renewal")
	api.cancel_activity(call.name, "They <b>asked</b> us to write instead")
	make_activity(record, subject="Still open")
	from frappe.desk.form.load import get_additional_timeline_content

	items = [i for i in get_additional_timeline_content(record.doctype, record.name) if i["icon"] == "close"]
	assert len(items) == 1, items
	assert "Call about the renewal" in items[0]["content"] and "Still open" not in items[0]["content"]
	assert "They asked us to write instead" in items[0]["content"] and "<b>" not in items[0]["content"]
	# activities follow their record: an agent may read everything here but leads
	frappe.set_user(make_user("Support Agent").name)
	from crm_suite.activities.timeline import cancelled_activities

	assert bool(cancelled_activities(record.doctype, record.name)) == (record.doctype != "Lead")


def test_outcome_is_needed_and_a_closed_activity_is_final():
	activity = make_activity(make_lead())
	with pytest.raises(frappe.ValidationError, match="Outcome"):
		api.complete_activity(activity.name, "  ")
	api.cancel_activity(activity.name, "Customer asked not to call")
	doc = frappe.get_doc("CRM Activity", activity.name)
	assert doc.status == "Cancelled" and not doc.interaction
	doc.subject = "changed"
	with pytest.raises(frappe.ValidationError, match="cannot be changed"):
		doc.save()
	with pytest.raises(frappe.ValidationError, match="already"):
		api.complete_activity(activity.name, "late")


@pytest.mark.parametrize(
	"change, message",
	[
		({"reference_doctype": "Campaign"}, "not on a"),
		({"reference_name": "CRM-LEAD-NOPE"}, "Could not find Record"),
		({"activity_type": "Fax"}, "type of an activity"),
		({"assigned_to": "nobody@example.com"}, "Could not find Assigned To"),
		({"assigned_to": "disabled"}, "not an enabled user"),
	],
)
def test_bad_input_is_refused_with_a_message(change, message):
	lead = make_lead()
	if change.get("reference_doctype") == "Campaign":
		change = {**change, "reference_name": make_campaign().name}
	if change.get("assigned_to") == "disabled":
		user = make_user("Sales User")
		user.db_set("enabled", 0)
		change = {"assigned_to": user.name}
	doc = frappe.get_doc(
		{
			"doctype": "CRM Activity",
			"due_on": now_datetime(),
			"reference_doctype": "Lead",
			"reference_name": lead.name,
			**change,
		}
	)
	with pytest.raises(frappe.ValidationError, match=message):
		doc.insert()
	assert not frappe.db.exists("CRM Activity", {"reference_name": change.get("reference_name", lead.name)})


def test_an_assignee_who_may_not_see_the_record_is_refused():
	agent = make_user("Support Agent")  # may not read leads
	with pytest.raises(frappe.ValidationError, match="may not see"):
		make_activity(make_lead(), assigned_to=agent.name)


def test_rescheduling_clears_the_reminder_claim():
	activity = make_activity(make_lead())
	frappe.db.set_value("CRM Activity", activity.name, "reminder_sent_for", activity.due_on)
	doc = frappe.get_doc("CRM Activity", activity.name)
	doc.due_on = add_to_date(doc.due_on, hours=1)
	doc.save()
	assert doc.reminder_sent_for is None


def test_all_day_activities_span_their_day():
	activity = make_activity(make_lead(), all_day=1, due_on="2026-12-24 15:00:00")
	assert get_datetime(activity.due_on) == datetime(2026, 12, 24)
	assert get_datetime(activity.ends_on) == datetime(2026, 12, 24, 23, 59, 59)


# ------------------------------------------------------------------ plans
STEPS = [
	{"activity_type": "Call", "subject": "Intro call", "due_after_days": 0},
	{
		"activity_type": "Email",
		"subject": "Send the offer",
		"due_after_days": 2,
		"all_day": 0,
		"due_time": "10:00:00",
	},
	{
		"activity_type": "Meeting",
		"subject": "Demo",
		"due_after_days": 7,
		"all_day": 0,
		"due_time": "14:00:00",
	},
]


def test_a_plan_is_applied_in_one_call_and_not_twice(seller):
	frappe.set_user("Administrator")
	plan = make_plan(STEPS, applies_to="Customer")
	frappe.set_user(seller)
	customer = make_customer()  # no account manager: the steps go to whoever applies the plan
	names = api.apply_activity_plan(plan.name, "Customer", customer.name)
	rows = frappe.get_all(
		"CRM Activity",
		filters={"name": ("in", names)},
		fields=["subject", "activity_type", "due_on", "all_day", "assigned_to", "activity_plan"],
		order_by="due_on",
	)
	today = now_datetime().date()
	assert [(r.subject, r.all_day, r.due_on.date() - today) for r in rows] == [
		("Intro call", 1, timedelta(0)),
		("Send the offer", 0, timedelta(days=2)),
		("Demo", 0, timedelta(days=7)),
	]
	assert {r.assigned_to for r in rows} == {seller} and {r.activity_plan for r in rows} == {plan.name}
	with pytest.raises(plans.PlanAlreadyApplied):
		api.apply_activity_plan(plan.name, "Customer", customer.name)
	with pytest.raises(frappe.ValidationError, match="for a"):
		api.apply_activity_plan(plan.name, "Lead", make_lead().name)


def test_a_plan_goes_to_the_record_assignee_else_its_owner():
	owner = make_user("Sales User")
	plan = make_plan([STEPS[0]])
	customer = make_customer(account_manager=owner.name)
	names = plans.apply_plan(plan.name, "Customer", customer.name)
	assert frappe.db.get_value("CRM Activity", names[0], "assigned_to") == owner.name
	lead = make_lead(lead_owner=owner.name)  # the lead round robin assigns it to a Sales User
	assignees = frappe.parse_json(frappe.db.get_value("Lead", lead.name, "_assign") or "[]")
	names = plans.apply_plan(plan.name, "Lead", lead.name)
	assert frappe.db.get_value("CRM Activity", names[0], "assigned_to") == (assignees or [owner.name])[0]


def test_a_lead_status_applies_its_plan_once():
	plan = make_plan(STEPS[:2], applies_to="Lead", apply_on_lead_status="Contacted")
	lead = make_lead()
	assert not frappe.db.exists("CRM Activity", {"reference_name": lead.name})
	lead.status = "Contacted"
	lead.save()
	assert frappe.db.count("CRM Activity", {"reference_name": lead.name, "activity_plan": plan.name}) == 2
	lead.db_set("status", "Contacted")  # again (no change): nothing more
	assert frappe.db.count("CRM Activity", {"reference_name": lead.name, "activity_plan": plan.name}) == 2
	with pytest.raises(frappe.ValidationError, match="already applied"):
		make_plan(STEPS[:1], applies_to="Lead", apply_on_lead_status="Contacted")


def test_a_new_lead_plan_runs_on_insert():
	plan = make_plan(STEPS[:1], applies_to="Lead", apply_on_lead_status="New")
	lead = make_lead()
	assert frappe.db.exists("CRM Activity", {"reference_name": lead.name, "activity_plan": plan.name})
	assert next_activity(lead)[1] == "Intro call"


def test_a_plan_without_steps_or_with_a_negative_day_is_refused():
	with pytest.raises(frappe.ValidationError):
		make_plan([])
	with pytest.raises(frappe.ValidationError, match="before the plan"):
		make_plan([{**STEPS[0], "due_after_days": -1}])


def test_merging_leads_moves_planned_activities_and_their_next_activity():
	from crm_suite.sales.duplicates import merge_leads

	original, duplicate = make_lead(), make_lead()
	activity = make_activity(duplicate, subject="Call the duplicate")
	merge_leads(duplicate.name, original.name)
	assert frappe.db.get_value("CRM Activity", activity.name, "reference_name") == original.name
	assert next_activity(original)[1] == "Call the duplicate"
	assert next_activity(duplicate) == (None, None)
	stays = frappe.get_all(
		"Stage History",
		filters={"reference_name": duplicate.name},
		fields=["stage", "left_on"],
		order_by="entered_on",
	)
	assert [s.stage for s in stays] == ["New", "Unqualified"] and stays[-1].left_on is None
	assert not frappe.db.exists("Stage History", {"reference_name": original.name, "stage": "Unqualified"})


def test_the_desk_is_wired():
	"""Each record form gets the activities section, each list and Kanban card the next activity, the page its
	actions, the forms' timelines the interactions; the Opportunity Pipeline cards show the next activity."""
	doctype_js, list_js = frappe.get_hooks("doctype_js"), frappe.get_hooks("doctype_list_js")
	for doctype in ("Lead", "Opportunity", "Customer", "Ticket"):
		assert {"public/js/activity_actions.js", "public/js/activities.js"} <= set(doctype_js[doctype])
		assert "public/js/next_activity_list.js" in list_js[doctype]
		assert frappe.get_meta(doctype).get_field("next_activity_on").in_standard_filter
	assert "public/js/activity_actions.js" in frappe.get_hooks("page_js")["my-day"]
	page = frappe.get_doc("Page", "my-day")
	page.load_assets()
	assert "get_my_day" in page.script and "window.crm_suite_activities" in page.script
	timeline = frappe.get_hooks("additional_timeline_content")
	assert all(
		"crm_suite.activities.timeline.interactions" in timeline[d] for d in ("Lead", "Opportunity", "Ticket")
	)
	assert all(
		"crm_suite.activities.timeline.cancelled_activities" in timeline[d]
		for d in ("Lead", "Opportunity", "Ticket", "Customer")
	)
	board = frappe.get_doc("Kanban Board", "Opportunity Pipeline")
	assert {"next_activity_on", "next_activity"} <= set(frappe.parse_json(board.fields))
	from frappe.desk.form.meta import get_meta

	meta = get_meta("CRM Activity")
	assert "frappe.views.calendar" in meta.get("__calendar_js") and "window.crm_suite_activities" in meta.get(
		"__list_js"
	)
