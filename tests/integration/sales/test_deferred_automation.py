"""Frappe's Workflow Actions and Assignment Rules after the commit (crm_suite/utils/workflow_actions.py).

Leads are created over REST by a Sales User against a real server (which is not in test mode, so the
save queues the job), and then a real RQ worker (`bench worker --burst` on `short`) runs it. The end
state, down to Frappe's assignment notification job queued on `default`, is compared with a lead saved
in this process as the server would (not in test mode) but with Frappe's own handlers in the save
(`crm_sync_automation`), and, with many clients at once on gunicorn, every lead must be assigned exactly
once with the round robin still taking turns.
"""

import json
import threading
from collections import Counter
from contextlib import contextmanager

import frappe
import pytest
import requests
from frappe.utils.background_jobs import get_job, get_queue

from crm_suite.devserver import delete_traces, give_api_key, serve, start_command
from crm_suite.sales import routing
from crm_suite.utils import workflow_actions
from tests.integration.factories import delete_for_good, make_customer, make_opportunity, make_user, unique

RULE = routing.RULE


NOTIFY = "frappe.desk.doctype.notification_log.notification_log.make_notification_logs"


def run_worker(timeout: int = 240) -> None:
	"""A real RQ worker of this bench, in burst mode: it runs what is queued on `short` and stops."""
	worker = start_command("worker", "--queue", "short", "--burst")
	try:
		assert worker.wait(timeout=timeout) == 0
	finally:
		if worker.poll() is None:
			worker.kill()
			worker.wait()
	frappe.db.rollback()  # a fresh snapshot


@contextmanager
def as_the_server(user: str, sync_automation: bool = False):
	"""Saves in the block as `user`, as the web server makes them (not in test mode: the jobs are queued
	after the commit; with `sync_automation`, Frappe's own handlers in the save), committed at its end;
	then Administrator in test mode again."""
	frappe.set_user(user)
	frappe.flags.in_test = False
	frappe.flags.crm_sync_automation = sync_automation
	try:
		yield
		frappe.db.commit()
	finally:
		frappe.flags.in_test = True
		frappe.flags.crm_sync_automation = False
		frappe.set_user("Administrator")


def new_lead(prefix: str):
	"""A lead saved as the current user (first name from the prefix, a unique last name and email)."""
	marker = unique(f"{prefix}-")
	return frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": prefix.title(),
			"last_name": marker,
			"email_id": f"{marker}@example.com",
		}
	).insert()


@pytest.fixture
def sellers():
	"""Two Sales Users (the round robin's) and a third who creates the leads, with an API key; all that
	the leads left behind is deleted afterwards."""
	made = [make_user("Sales User") for _ in range(3)]
	caller = made[2]
	token = give_api_key(caller)
	frappe.db.commit()
	leads: list[str] = []
	yield frappe._dict(caller=caller.name, token=token, users=[u.name for u in made], leads=leads)
	frappe.db.rollback()
	frappe.set_user("Administrator")
	for job in notification_jobs(leads):
		job.delete()
	names = leads or [""]
	delete_traces(names)  # workflow actions, pending rows, ToDos, comments, versions, shares, ...
	frappe.db.sql("delete from tabLead where name in %(n)s", {"n": names})
	for user in [u.name for u in made]:
		frappe.db.sql("delete from `tabNotification Log` where for_user = %s", user)
		delete_for_good("User", user)
	frappe.db.commit()


def post_lead(url: str, host: str, token: str, marker: str) -> requests.Response:
	return requests.post(
		f"{url}/api/resource/Lead",
		headers={"Host": host, "Accept": "application/json", "Authorization": f"token {token}"},
		json={"first_name": "Deferred", "last_name": marker, "email_id": f"{marker}@example.com"},
		timeout=120,
	)


def notification_jobs(leads: list[str]) -> list:
	"""Frappe's assignment notification jobs for these leads, waiting on `default`."""
	return [
		job
		for job in get_queue("default").jobs
		if job.kwargs.get("method") == NOTIFY
		and (job.kwargs.get("kwargs", {}).get("doc") or {}).get("document_name") in leads
	]


def notified(lead: str) -> list[str]:
	"""Whom Frappe's assignment notification for the lead is for: a job queued on `default`, or, where the
	worker ran it at once (Frappe's `execute_job` sets `in_test` when the CI environment variable is set),
	the Notification Logs it made."""
	queued = [user for job in notification_jobs([lead]) for user in job.kwargs["kwargs"]["users"]]
	if queued:
		return queued
	return frappe.get_all(
		"Notification Log",
		{"document_type": "Lead", "document_name": lead, "type": "Assignment"},
		pluck="for_user",
	)


def end_state(lead: str, creator: str) -> dict:
	"""What Frappe's Workflow and Assignment Rule leave on a lead (names and times aside)."""
	todos = frappe.get_all(
		"ToDo",
		{"reference_type": "Lead", "reference_name": lead},
		["allocated_to", "status", "assignment_rule", "assigned_by", "description", "priority"],
	)
	actions = frappe.get_all(
		"Workflow Action", {"reference_name": lead}, ["name", "status", "workflow_state", "user"]
	)
	roles = {
		a.name: sorted(frappe.get_all("Workflow Action Permitted Role", {"parent": a.name}, pluck="role"))
		for a in actions
	}
	assignee = todos[0].allocated_to if todos else None
	return {
		"todos": [
			{**t, "allocated_to": "assignee", "description": t.description.replace(lead, "LEAD")}
			for t in todos
		],
		"_assign": [
			"assignee" if u == assignee else u
			for u in json.loads(frappe.db.get_value("Lead", lead, "_assign") or "[]")
		],
		"actions": sorted((a.status, a.workflow_state, a.user or "", tuple(roles[a.name])) for a in actions),
		"assigned comments": frappe.db.count("Comment", {"reference_name": lead, "comment_type": "Assigned"}),
		"shares": frappe.db.count("DocShare", {"share_doctype": "Lead", "share_name": lead}),
		# Frappe notifies an assignee other than the one who saved
		"notified as Frappe does": notified(lead) == ([] if assignee == creator else [assignee]),
	}


def test_a_rest_lead_ends_as_frappe_leaves_it_in_the_save(server, sellers):
	frappe.db.commit()
	routing.sync_round_robin_users()
	frappe.db.commit()
	# the reference: a lead by the same seller, with Frappe's handlers in the save
	with as_the_server(sellers.caller, sync_automation=True):  # Frappe queues its notification job
		reference = new_lead("sync")
		sellers.leads.append(reference.name)
	last_user = frappe.db.get_value("Assignment Rule", RULE, "last_user")

	response = post_lead(server.url, server.host, sellers.token, unique("rest-"))
	assert response.status_code == 200, response.text[:500]
	lead = response.json()["data"]["name"]
	sellers.leads.append(lead)
	frappe.db.rollback()
	# saved and answered; the assignment and the workflow action wait for the job
	assert frappe.db.exists(workflow_actions.QUEUE_DOCTYPE, {"reference_name": lead})
	assert not frappe.db.get_value("Lead", lead, "_assign")
	assert get_job(workflow_actions.JOB_ID) is not None

	run_worker()
	assert not frappe.db.exists(workflow_actions.QUEUE_DOCTYPE, {"reference_name": lead})
	state = end_state(lead, sellers.caller)
	reference_state = end_state(reference.name, sellers.caller)
	assert state == reference_state, {  # what to look at when they differ
		"assignee": frappe.db.get_value("ToDo", {"reference_name": lead}, "allocated_to"),
		"caller": sellers.caller,
		"last default jobs": [
			(j.kwargs.get("method"), j.kwargs.get("kwargs")) for j in get_queue("default").jobs[-3:]
		],
	}
	assert state["notified as Frappe does"]
	assert len(state["todos"]) == 1 and state["todos"][0]["assignment_rule"] == RULE
	assert state["todos"][0]["assigned_by"] == sellers.caller
	assert [a[0] for a in state["actions"]] == ["Open"]
	# the round robin moved on from the reference's assignee, as a save would have
	users = frappe.get_all("Assignment Rule User", {"parent": RULE}, pluck="user", order_by="idx")
	assignee = frappe.db.get_value("ToDo", {"reference_name": lead}, "allocated_to")
	assert assignee == users[(users.index(last_user) + 1) % len(users)]
	assert frappe.db.get_value("Assignment Rule", RULE, "last_user") == assignee


def test_many_clients_at_once_each_lead_assigned_once_in_turn(site, sellers):
	routing.sync_round_robin_users()
	frappe.db.commit()
	users = frappe.get_all("Assignment Rule User", {"parent": RULE}, pluck="user", order_by="idx")
	clients, each = 8, 4
	results: list = []

	def client(i: int, url: str) -> None:
		for n in range(each):
			marker = unique(f"burst-{i}-{n}-")
			try:
				r = post_lead(url, site, sellers.token, marker)
				results.append(
					(r.status_code, r.json().get("data", {}).get("name") if r.ok else r.text[:300])
				)
			except Exception as e:  # a dropped connection fails the test like a 5xx
				results.append((599, repr(e)))

	with serve(site, workers=2, log_name="crm-suite-test-deferred") as url:
		threads = [threading.Thread(target=client, args=(i, url)) for i in range(clients)]
		for t in threads:
			t.start()
		for t in threads:
			t.join()
	sellers.leads.extend(name for status, name in results if status == 200)
	assert [r for r in results if r[0] != 200] == []
	assert len(sellers.leads) == clients * each

	run_worker()
	leads = sellers.leads
	todos = frappe.get_all(
		"ToDo",
		{"reference_type": "Lead", "reference_name": ("in", leads)},
		["reference_name", "allocated_to"],
	)
	assert Counter(t.reference_name for t in todos) == Counter({lead: 1 for lead in leads})
	for lead, assign in frappe.get_all("Lead", {"name": ("in", leads)}, ["name", "_assign"], as_list=True):
		assert len(json.loads(assign or "[]")) == 1, lead
	actions = frappe.get_all(
		"Workflow Action", {"reference_name": ("in", leads), "status": "Open"}, pluck="reference_name"
	)
	assert Counter(actions) == Counter({lead: 1 for lead in leads})
	turns = Counter(t.allocated_to for t in todos)
	assert set(turns) <= set(users)
	assert max(turns[u] for u in users) - min(turns[u] for u in users) <= 1  # still taking turns
	assert not frappe.db.exists(workflow_actions.QUEUE_DOCTYPE, {"reference_name": ("in", leads)})


def test_a_save_whose_job_was_lost_is_picked_up_by_the_sweep(sellers):
	routing.sync_round_robin_users()
	frappe.db.commit()
	with as_the_server(sellers.caller):  # its row, and the job after the commit
		lead = new_lead("sweep")
		sellers.leads.append(lead.name)
	job = get_job(workflow_actions.JOB_ID)
	assert job is not None
	job.delete()  # lost (the queue was down at the commit)
	assert frappe.db.exists(workflow_actions.QUEUE_DOCTYPE, {"reference_name": lead.name})

	job_type = frappe.get_doc("Scheduled Job Type", {"method": "crm_suite.utils.workflow_actions.sweep"})
	assert job_type.cron_format == "* * * * *" and job_type.get_queue_name() == "short"
	workflow_actions.sweep()
	assert get_job(workflow_actions.JOB_ID) is not None
	run_worker()
	assert frappe.db.count("ToDo", {"reference_name": lead.name, "status": "Open"}) == 1
	assert frappe.db.count("Workflow Action", {"reference_name": lead.name, "status": "Open"}) == 1


def test_a_failing_row_is_logged_and_the_rest_still_run(sellers):
	routing.sync_round_robin_users()
	frappe.db.commit()
	with as_the_server(sellers.caller):
		made = [new_lead("fail") for _ in range(2)]
		sellers.leads.extend(lead.name for lead in made)
	get_job(workflow_actions.JOB_ID).delete()  # this test runs the rows itself
	broken, good = made
	frappe.db.set_value(
		workflow_actions.QUEUE_DOCTYPE, {"reference_name": broken.name}, "document", "{not json"
	)
	frappe.db.commit()

	workflow_actions.run_pending()
	frappe.db.rollback()
	assert frappe.db.exists("Error Log", {"reference_name": broken.name})
	assert not frappe.db.exists(
		workflow_actions.QUEUE_DOCTYPE, {"reference_name": ("in", [broken.name, good.name])}
	)
	assert frappe.db.count("ToDo", {"reference_name": good.name, "status": "Open"}) == 1
	frappe.db.delete("Error Log", {"reference_name": broken.name})
	frappe.db.commit()


def test_an_edit_while_the_insert_still_waits_leaves_the_workflow_action_to_the_job():
	"""An edit that keeps the state, saved before the job reached the record's insert: in the save,
	Frappe's handler would insert the Workflow Action the pending row has not written yet, beside the
	job's own insert (a deadlock under load). The edit waits in line too, and the job writes one."""
	manager = make_user("Sales Manager")
	customer = make_customer()
	frappe.db.commit()
	made = []
	with as_the_server(manager.name):
		opportunity = make_opportunity(customer=customer.name)
		made.append(opportunity.name)
		frappe.db.commit()
		opportunity.reload()
		opportunity.notes = "edited"
		opportunity.save()
	try:
		assert not frappe.db.exists("Workflow Action", {"reference_name": opportunity.name})
		waiting = frappe.get_all(
			workflow_actions.QUEUE_DOCTYPE, {"reference_name": opportunity.name}, pluck="name"
		)
		assert len(waiting) == 2  # the insert and the edit, in that order
		run_worker()
		assert not frappe.db.exists(workflow_actions.QUEUE_DOCTYPE, {"reference_name": opportunity.name})
		assert frappe.db.count("Workflow Action", {"reference_name": opportunity.name, "status": "Open"}) == 1
	finally:
		frappe.db.rollback()
		delete_traces(made)
		for name in made:
			delete_for_good("Opportunity", name)
		delete_for_good("Customer", customer.name)
		delete_for_good("User", manager.name)
		frappe.db.commit()
