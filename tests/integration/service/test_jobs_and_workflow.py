"""The ticket workflow, the round robin and the scheduled jobs (escalation, auto-close). The jobs commit
per ticket, so these tests commit and clean up through `committed` / explicit deletes."""

from datetime import datetime

import frappe
import pytest
from frappe.model.workflow import WorkflowPermissionError
from frappe.utils import add_days, now_datetime

from crm_suite.service import jobs
from tests.integration.factories import make_ticket
from tests.integration.service.helpers import clock, make_agent, make_sla

MON = datetime(2027, 1, 4, 15, 0)


# ----------------------------------------------------------------- workflow
def test_the_workflow_drives_the_status_for_agents():
	frappe.set_user(make_agent().name)
	ticket = make_ticket()
	for status in ("In Progress", "Waiting on Customer", "In Progress", "Resolved", "Closed"):
		ticket.status = status
		ticket.save()
	assert ticket.status == "Closed"
	ticket.status = "Open"  # only a Support Manager may reopen a closed ticket
	with pytest.raises(WorkflowPermissionError):
		ticket.save()
	assert frappe.db.get_value("Ticket", ticket.name, "status") == "Closed"


def test_an_agent_cannot_skip_from_open_to_waiting_or_closed():
	frappe.set_user(make_agent().name)
	ticket = make_ticket()
	for status in ("Waiting on Customer", "Closed"):
		ticket.status = status
		with pytest.raises(WorkflowPermissionError):
			ticket.save()
		ticket.reload()
	assert ticket.status == "Open"


def test_a_support_manager_reopens_a_closed_ticket():
	ticket = make_ticket()
	ticket.status = "Resolved"
	ticket.save()
	ticket.status = "Closed"
	ticket.save()
	frappe.set_user(make_agent("Support Manager").name)
	ticket = frappe.get_doc("Ticket", ticket.name)
	ticket.status = "Open"
	ticket.save()
	assert ticket.status == "Open"


def test_new_tickets_go_round_robin_to_support_agents():
	from crm_suite.service.routing import RULE, support_agents

	a, b = make_agent(), make_agent()
	rule = frappe.get_doc("Assignment Rule", RULE)
	assert {a.name, b.name} <= {u.user for u in rule.users} and set(support_agents()) == {
		u.user for u in rule.users
	}
	rule.set("users", [{"user": a.name}, {"user": b.name}])
	rule.last_user = None
	rule.save()
	owners = []
	for _ in range(4):
		ticket = make_ticket()
		owners.append(
			frappe.get_all(
				"ToDo", filters={"reference_name": ticket.name, "status": "Open"}, pluck="allocated_to"
			)
		)
	assert sorted(o[0] for o in owners) == sorted([a.name, b.name] * 2)
	assert owners[0] != owners[1]


def test_a_deleted_agent_leaves_the_round_robin_and_tickets_still_get_created():
	from crm_suite.service.routing import RULE

	agent = make_agent()
	assert agent.name in {u.user for u in frappe.get_doc("Assignment Rule", RULE).users}
	frappe.delete_doc("User", agent.name, force=True, ignore_permissions=True)
	rule = frappe.get_doc("Assignment Rule", RULE)
	assert agent.name not in {u.user for u in rule.users}
	assert rule.disabled == (not rule.users)  # an empty round robin is switched off, not left to crash
	assert make_ticket().name


def test_without_any_support_agent_the_round_robin_is_off_and_tickets_are_created():
	from crm_suite.service.routing import RULE, sync_support_agents

	frappe.db.delete("Has Role", {"role": "Support Agent", "parenttype": "User"})
	sync_support_agents()
	rule = frappe.get_doc("Assignment Rule", RULE)
	assert (rule.disabled, len(rule.users)) == (1, 0)
	ticket = make_ticket()
	assert not frappe.get_all("ToDo", filters={"reference_name": ticket.name})


# ----------------------------------------------------------------- escalation
@pytest.fixture
def cleanup():
	"""Tickets (names appended by the test) and what the committing jobs left around them."""
	names: list[str] = []
	started = now_datetime()
	yield names
	frappe.db.rollback()
	frappe.set_user("Administrator")
	for name in names:
		for doctype, field in (
			("ToDo", "reference_name"),
			("Notification Log", "document_name"),
			("Comment", "reference_name"),
			("Error Log", "reference_name"),
		):
			frappe.db.delete(doctype, {field: name})
		frappe.delete_doc("Ticket", name, force=True, ignore_permissions=True)
	# Frappe's own "could not e-mail the notification" entries (the site has no outgoing mail)
	frappe.db.delete(
		"Error Log", {"method": "Failed to send notification email", "creation": (">=", started)}
	)
	# and the Contact Frappe gives every new user (the users themselves go through `committed`)
	for contact in frappe.get_all(
		"Contact", filters={"creation": (">=", started), "first_name": "Test"}, pluck="name"
	):
		frappe.delete_doc("Contact", contact, force=True, ignore_permissions=True)
	frappe.db.commit()


def breached_ticket(committed, cleanup, sla):
	with clock(MON):
		ticket = make_ticket(opening_date=MON)
	cleanup.append(ticket.name)
	return ticket


def test_breaches_are_marked_failed_and_escalated_once(committed, cleanup):
	sla = committed(make_sla(default=True))
	manager = committed(make_agent("Support Manager"))
	frappe.db.set_single_value("Support Settings", "escalation_manager", manager.name)
	ticket = breached_ticket(committed, cleanup, sla)
	frappe.db.commit()
	with clock(datetime(2027, 1, 5, 12, 0)):  # response was due Tuesday 11:00
		result = jobs.check_sla()
		again = jobs.check_sla()
	frappe.db.set_single_value("Support Settings", "escalation_manager", None)
	frappe.db.commit()
	assert result["escalated"] >= 1 and again["escalated"] == 0
	row = frappe.db.get_value(
		"Ticket", ticket.name, ["agreement_status", "escalated_to", "escalated_on"], as_dict=True
	)
	assert row.agreement_status == "Failed" and row.escalated_to == manager.name and row.escalated_on
	assert (
		frappe.db.count(
			"ToDo", {"reference_name": ticket.name, "allocated_to": manager.name, "status": "Open"}
		)
		== 1
	)
	assert (
		frappe.db.count(
			"Notification Log", {"document_name": ticket.name, "for_user": manager.name, "type": "Alert"}
		)
		== 1
	)
	assert (
		frappe.db.count("Comment", {"reference_name": ticket.name, "content": ("like", "%escalated%")}) == 1
	)


def test_a_ticket_close_to_its_deadline_is_escalated_when_at_risk_is_on(committed, cleanup):
	sla = committed(make_sla(default=True))
	manager = committed(make_agent("Support Manager"))
	frappe.db.set_single_value("Support Settings", "escalation_manager", manager.name)
	ticket = breached_ticket(committed, cleanup, sla)  # response due Tuesday 11:00
	frappe.db.commit()
	try:
		with clock(datetime(2027, 1, 5, 10, 30)):
			frappe.db.set_single_value("Support Settings", "at_risk_minutes", 0)
			assert jobs.check_sla()["escalated"] == 0  # off: not breached yet, nothing happens
			frappe.db.set_single_value("Support Settings", "at_risk_minutes", 60)
			assert jobs.check_sla()["escalated"] >= 1
			assert jobs.check_sla()["escalated"] == 0
	finally:
		frappe.db.set_single_value("Support Settings", "at_risk_minutes", 0)
		frappe.db.set_single_value("Support Settings", "escalation_manager", None)
		frappe.db.commit()
	row = frappe.db.get_value("Ticket", ticket.name, ["agreement_status", "escalated_to"], as_dict=True)
	assert (row.agreement_status, row.escalated_to) == ("First Response Due", manager.name)
	assert frappe.db.exists("Comment", {"reference_name": ticket.name, "content": ("like", "%at risk%")})


def test_one_failing_ticket_does_not_stop_the_others(committed, cleanup, monkeypatch):
	sla = committed(make_sla(default=True))
	committed(make_agent("Support Manager"))
	bad, good = breached_ticket(committed, cleanup, sla), breached_ticket(committed, cleanup, sla)
	frappe.db.commit()
	real_add = jobs.assign_to.add

	def add(args, **kw):
		if args["name"] == bad.name:
			raise RuntimeError("mail server down")
		return real_add(args, **kw)

	monkeypatch.setattr(jobs.assign_to, "add", add)
	with clock(datetime(2027, 1, 5, 12, 0)):
		jobs.check_sla()
	assert frappe.db.get_value("Ticket", good.name, "escalated_on")
	assert not frappe.db.get_value("Ticket", bad.name, "escalated_on")
	assert frappe.db.get_value("Ticket", bad.name, "agreement_status") == "Failed"
	assert frappe.db.exists("Error Log", {"reference_name": bad.name})


def test_auto_close_closes_only_tickets_resolved_long_enough(committed, cleanup):
	frappe.db.set_single_value("Support Settings", "auto_close_after_days", 7)
	old, recent = make_ticket(), make_ticket()
	cleanup.extend([old.name, recent.name])
	for ticket, days in ((old, 10), (recent, 2)):
		ticket.status = "Resolved"
		ticket.save()
		frappe.db.set_value("Ticket", ticket.name, "resolution_date", add_days(now_datetime(), -days))
	frappe.db.commit()
	assert jobs.auto_close_resolved()["closed"] >= 1
	assert frappe.db.get_value("Ticket", old.name, "status") == "Closed"
	assert frappe.db.get_value("Ticket", recent.name, "status") == "Resolved"
	assert jobs.auto_close_resolved()["closed"] == 0  # idempotent


def test_auto_close_is_off_at_zero_days(cleanup):
	frappe.db.set_single_value("Support Settings", "auto_close_after_days", 0)
	ticket = make_ticket()
	ticket.status = "Resolved"
	ticket.save()
	frappe.db.set_value("Ticket", ticket.name, "resolution_date", add_days(now_datetime(), -30))
	assert jobs.auto_close_resolved() == {"closed": 0}
	assert frappe.db.get_value("Ticket", ticket.name, "status") == "Resolved"
