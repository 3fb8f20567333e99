"""The ticket workflow, the round robin and the scheduled jobs (escalation, auto-close).

The jobs' work runs on the test's own tickets (`check_tickets` / `close_resolved_tickets` with their
names) inside the test's transaction (`commit=False`), so it is rolled back. Two tests commit, as the
scheduled jobs do, and delete everything they made (`job_cleanup`): the error isolation with a ticket
another session has locked, and the scheduled entry points over all tickets (with the real clock, so
they do no more than the scheduler would at that moment)."""

from datetime import datetime

import frappe
import pytest
from frappe.model.workflow import WorkflowPermissionError
from frappe.utils import add_days, now_datetime

from crm_suite.service import jobs
from crm_suite.service.settings import support_setting
from tests.integration.factories import delete_for_good, make_customer, make_ticket
from tests.integration.service.helpers import clock, make_agent, make_sla, queued_mail

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
	# each agent was e-mailed about their two tickets: real Email Queue rows, not sent (mail is muted)
	for agent in (a, b):
		mails = queued_mail(agent.email)
		assert len(mails) == 2 and {m.status for m in mails} == {"Not Sent"}
		assert all("assigned a new task" in m.subject for m in mails)


def test_a_deleted_agent_leaves_the_round_robin_and_tickets_still_get_created():
	from crm_suite.service.routing import RULE

	agent = make_agent()
	assert agent.name in {u.user for u in frappe.get_doc("Assignment Rule", RULE).users}
	delete_for_good("User", agent.name)
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
TUESDAY_NOON = datetime(2027, 1, 5, 12, 0)  # a Monday 15:00 Medium ticket's response was due Tuesday 11:00


@pytest.fixture
def manager():
	"""A Support Manager the escalations go to (Support Settings), with the default agreement."""
	make_sla(default=True)
	user = make_agent("Support Manager")
	frappe.db.set_single_value("Support Settings", "escalation_manager", user.name)
	return user


@pytest.fixture
def error_logs():
	"""error_logs(ticket) -> the Error Log entries (method, error) made for that ticket during this test.
	Frappe keeps Error Log in a MyISAM table, so its rows survive the test's rollback: they are deleted
	afterwards."""
	started, names = now_datetime(), []

	def logged(name: str) -> list:
		names.append(name)
		filters = {"reference_name": name, "creation": (">=", started)}
		return frappe.get_all("Error Log", filters, ["method", "error"])

	yield logged
	frappe.db.delete("Error Log", {"reference_name": ("in", names or [""]), "creation": (">=", started)})


def ticket_opened_monday(**kw):
	with clock(MON):
		return make_ticket(opening_date=MON, **kw)


def test_breaches_are_marked_failed_and_escalated_once(manager):
	ticket, elsewhere = ticket_opened_monday(), ticket_opened_monday()
	result = jobs.check_tickets([ticket.name], now=TUESDAY_NOON, commit=False)
	again = jobs.check_tickets([ticket.name], now=TUESDAY_NOON, commit=False)
	assert result == {"failed": 1, "escalated": 1} and again == {"failed": 0, "escalated": 0}
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
	# the manager is e-mailed once: the assignment mail, with the breach in its text
	mails = [m for m in queued_mail(manager.email) if ticket.subject in m.subject]
	assert len(mails) == 1 and mails[0].status == "Not Sent"
	assert "assigned a new task" in mails[0].subject and f"SLA breached: {ticket.subject}" in mails[0].body
	# a ticket outside the given names is left alone
	assert frappe.db.get_value("Ticket", elsewhere.name, ["agreement_status", "escalated_on"]) == (
		"First Response Due",
		None,
	)


def test_a_ticket_close_to_its_deadline_is_escalated_when_at_risk_is_on(manager):
	ticket = ticket_opened_monday()  # response due Tuesday 11:00
	half_past_ten = datetime(2027, 1, 5, 10, 30)
	frappe.db.set_single_value("Support Settings", "at_risk_minutes", 0)
	assert jobs.check_tickets([ticket.name], now=half_past_ten, commit=False)["escalated"] == 0
	frappe.db.set_single_value("Support Settings", "at_risk_minutes", 60)
	assert jobs.check_tickets([ticket.name], now=half_past_ten, commit=False)["escalated"] == 1
	assert jobs.check_tickets([ticket.name], now=half_past_ten, commit=False)["escalated"] == 0
	row = frappe.db.get_value("Ticket", ticket.name, ["agreement_status", "escalated_to"], as_dict=True)
	assert (row.agreement_status, row.escalated_to) == ("First Response Due", manager.name)
	assert frappe.db.exists("Comment", {"reference_name": ticket.name, "content": ("like", "%at risk%")})
	mails = [m for m in queued_mail(manager.email) if ticket.subject in m.subject]
	assert len(mails) == 1 and f"SLA at risk: {ticket.subject}" in mails[0].body


def test_without_a_support_manager_the_escalation_fails_into_the_error_log(manager, error_logs):
	frappe.db.set_single_value("Support Settings", "escalation_manager", None)
	frappe.db.delete("Has Role", {"role": "Support Manager", "parenttype": "User"})
	ticket = ticket_opened_monday()
	assert jobs.check_tickets([ticket.name], now=TUESDAY_NOON, commit=False) == {"failed": 1, "escalated": 0}
	assert frappe.db.get_value("Ticket", ticket.name, ["agreement_status", "escalated_on"]) == (
		"Failed",
		None,
	)
	assert [row.method for row in error_logs(ticket.name)] == [f"SLA escalation failed for {ticket.name}"]


@pytest.fixture
def job_cleanup(committed):
	"""For tests that commit as the jobs do: `committed` deletes the records the test made; this also
	deletes what the jobs and Frappe made around the tickets (names appended by the test) and the
	Contact Frappe made for each user (appended to `.users`); conftest deletes the queued mail."""
	tickets: list[str] = []
	users: list = []
	settings = {f: support_setting(f) for f in ("escalation_manager", "auto_close_after_days")}
	yield frappe._dict(tickets=tickets, users=users, committed=committed)
	frappe.db.rollback()
	frappe.set_user("Administrator")
	for doctype, field in (
		("ToDo", "reference_name"),
		("Notification Log", "document_name"),
		("Comment", "reference_name"),
		("Error Log", "reference_name"),
		("Version", "docname"),
	):
		frappe.db.delete(doctype, {field: ("in", tickets or [""])})
	for name in tickets:
		if frappe.db.exists("Ticket", name):
			frappe.delete_doc("Ticket", name, force=True, ignore_permissions=True, delete_permanently=True)
	for user in users:
		for contact in frappe.get_all("Contact", {"user": user.name}, pluck="name"):
			frappe.delete_doc(
				"Contact", contact, force=True, ignore_permissions=True, delete_permanently=True
			)
	frappe.db.set_single_value("Support Settings", settings)
	frappe.db.commit()


def committed_manager(job_cleanup):
	"""A committed Support Manager the escalations go to, and a committed (not default) agreement."""
	job_cleanup.sla = job_cleanup.committed(make_sla()).name
	user = job_cleanup.committed(make_agent("Support Manager"))
	job_cleanup.users.append(user)
	frappe.db.set_single_value("Support Settings", "escalation_manager", user.name)
	return user


@pytest.fixture
def server_script():
	"""server_script(**fields) inserts a Server Script for this test. Frappe caches the map of scripts
	in Redis, built from this test's uncommitted rows: it is dropped again after the rollback."""

	def make(**fields):
		return frappe.get_doc({"doctype": "Server Script", "script_type": "DocType Event", **fields}).insert()

	yield make
	frappe.db.rollback()
	frappe.cache.delete_value("server_script_map")


def test_a_ticket_that_fails_does_not_stop_the_others(manager, server_script, error_logs):
	"""A real failure: the site's own rule (a Server Script) refuses assignments on tickets of a customer
	on hold, so that ticket's escalation fails half-way (after the ToDo's validation). It lands in the
	Error Log with nothing half-written; the other ticket is escalated; the next run tries again."""
	on_hold = make_customer()
	bad, good = ticket_opened_monday(customer=on_hold.name), ticket_opened_monday()
	# from now on (after the tickets were made and routed) ToDos on that customer's tickets are refused
	server_script(
		name=f"Refuse ToDos of {on_hold.name}",
		reference_doctype="ToDo",
		doctype_event="Before Insert",
		script=(
			"if doc.reference_type == 'Ticket' and frappe.db.get_value('Ticket', doc.reference_name, "
			f"'customer') == '{on_hold.name}':\n\tfrappe.throw('Customer on hold')"
		),
	)
	result = jobs.check_tickets([bad.name, good.name], now=TUESDAY_NOON, commit=False)
	assert result == {"failed": 2, "escalated": 1}
	assert frappe.db.get_value("Ticket", good.name, "escalated_to") == manager.name
	assert frappe.db.get_value("Ticket", bad.name, ["agreement_status", "escalated_on"]) == ("Failed", None)
	assert not frappe.db.exists("ToDo", {"reference_name": bad.name, "allocated_to": manager.name})
	assert not frappe.db.exists("Notification Log", {"document_name": bad.name, "for_user": manager.name})
	assert not frappe.db.exists("Comment", {"reference_name": bad.name, "content": ("like", "%escalated%")})
	log = error_logs(bad.name)
	assert [row.method for row in log] == [f"SLA escalation failed for {bad.name}"]
	assert "Customer on hold" in log[0].error
	assert jobs.check_tickets([bad.name, good.name], now=TUESDAY_NOON, commit=False)["escalated"] == 0


def test_the_scheduled_entry_points_process_every_ticket(job_cleanup):
	"""check_sla and auto_close_resolved (what hooks.py schedules) take no names: they find tickets
	they were not told about. Real clock, so they only do what the scheduler would do now."""
	manager = committed_manager(job_cleanup)
	frappe.db.set_single_value("Support Settings", "auto_close_after_days", 7)
	long_ago = datetime(2020, 1, 6, 9, 0)
	breached = make_ticket(opening_date=long_ago, service_level_agreement=job_cleanup.sla)
	resolved = make_ticket(opening_date=long_ago, service_level_agreement=job_cleanup.sla)
	resolved.status = "Resolved"
	resolved.save()
	frappe.db.set_value("Ticket", resolved.name, "resolution_date", add_days(now_datetime(), -10))
	job_cleanup.tickets.extend([breached.name, resolved.name])
	frappe.db.commit()
	assert jobs.check_sla()["escalated"] >= 1
	assert jobs.auto_close_resolved()["closed"] >= 1
	assert frappe.db.get_value("Ticket", breached.name, ["agreement_status", "escalated_to"]) == (
		"Failed",
		manager.name,
	)
	assert frappe.db.get_value("Ticket", resolved.name, "status") == "Closed"


# ----------------------------------------------------------------- auto-close
def resolved_days_ago(days, **kw):
	ticket = make_ticket(**kw)
	ticket.status = "Resolved"
	ticket.save()
	frappe.db.set_value("Ticket", ticket.name, "resolution_date", add_days(now_datetime(), -days))
	return ticket


def test_auto_close_closes_only_tickets_resolved_long_enough():
	frappe.db.set_single_value("Support Settings", "auto_close_after_days", 7)
	old, recent, other = resolved_days_ago(10), resolved_days_ago(2), resolved_days_ago(10)
	names = [old.name, recent.name]
	assert jobs.close_resolved_tickets(names, commit=False) == {"closed": 1}
	assert frappe.db.get_value("Ticket", old.name, "status") == "Closed"
	assert frappe.db.get_value("Ticket", recent.name, "status") == "Resolved"
	assert frappe.db.get_value("Ticket", other.name, "status") == "Resolved"  # not in the names
	assert frappe.db.exists(
		"Comment", {"reference_name": old.name, "content": ("like", "Closed automatically%")}
	)
	assert jobs.close_resolved_tickets(names, commit=False) == {"closed": 0}  # idempotent


def test_auto_close_is_off_at_zero_days():
	frappe.db.set_single_value("Support Settings", "auto_close_after_days", 0)
	ticket = resolved_days_ago(30)
	assert jobs.close_resolved_tickets([ticket.name], commit=False) == {"closed": 0}
	assert frappe.db.get_value("Ticket", ticket.name, "status") == "Resolved"


def test_a_ticket_that_cannot_be_closed_does_not_stop_the_others(error_logs):
	"""A real failure: the agreement no longer has times for the ticket's priority, so saving the
	ticket (Closed) is refused by its validation. That ticket stays Resolved with an Error Log entry,
	without the half-written comment; the other one is closed."""
	frappe.db.set_single_value("Support Settings", "auto_close_after_days", 7)
	sla = make_sla(default=True)
	bad, good = resolved_days_ago(10, priority="Low"), resolved_days_ago(10, priority="Medium")
	sla = frappe.get_doc("Service Level Agreement", sla.name)
	sla.set("priorities", [row for row in sla.priorities if row.priority != "Low"])
	sla.save()
	assert jobs.close_resolved_tickets([bad.name, good.name], commit=False) == {"closed": 1}
	assert frappe.db.get_value("Ticket", good.name, "status") == "Closed"
	assert frappe.db.get_value("Ticket", bad.name, "status") == "Resolved"
	assert not frappe.db.exists("Comment", {"reference_name": bad.name, "content": ("like", "Closed%")})
	log = error_logs(bad.name)
	assert [row.method for row in log] == [f"Auto-close failed for {bad.name}"]
	assert "no times for priority" in log[0].error
	assert not error_logs(good.name)
