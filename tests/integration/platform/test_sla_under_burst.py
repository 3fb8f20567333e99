"""Queues: the SLA check runs on time while a burst of intake floods `default` (issue 18).

A burst of leads and tickets is saved with Frappe's real round robins, so Frappe enqueues its real
assignment-notification job for each onto `default`. Then the scheduler's own path enqueues the 5-minute
SLA check (the Scheduled Job Type), and one real RQ worker (`bench worker`, all queues) starts. The SLA
check escalates the breached ticket while most of the burst's notification jobs still wait: on the old
code it sat behind all of them on `default`. (A small burst here; benchmarks/queue_burst.py makes the
issue's 10,000 leads and 2,000 tickets.) It needs the bench's own workers stopped, as in CI: they would
take the burst's jobs too.
"""

import frappe
import pytest
from frappe.utils.background_jobs import get_queue
from rq.exceptions import NoSuchJobError
from rq.job import Job

from crm_suite.devserver import start_command
from crm_suite.utils.scheduled_jobs import QUEUE
from tests.integration.factories import delete_for_good, make_customer, make_user, unique
from tests.integration.sessions import wait_until

LEADS, TICKETS = 80, 20
SLA_METHOD = "crm_suite.service.jobs.check_sla"


def remove_job(queue, job_id: str) -> None:
	try:
		Job.fetch(job_id, connection=queue.connection).delete()  # off the queue, and its data
	except NoSuchJobError:
		queue.remove(job_id)


@pytest.fixture
def burst_site():
	seller = make_user("Sales User")
	agent = make_user("Support Agent")
	manager = make_user("Support Manager")
	customer = make_customer()
	frappe.set_user("Administrator")
	breached = frappe.get_doc(
		{"doctype": "Ticket", "subject": unique("Breached "), "customer": customer.name}
	)
	breached.insert(ignore_permissions=True)
	frappe.db.set_value(
		"Ticket", breached.name, {"agreement_status": "Failed", "status": "Open"}, update_modified=False
	)
	frappe.db.commit()
	users = [seller.name, agent.name, manager.name]
	queued_before = set(get_queue("default").job_ids)
	yield frappe._dict(users=users, customer=customer.name, ticket=breached.name, manager=manager.name)
	frappe.db.rollback()
	queue = get_queue("default")
	for job_id in set(queue.job_ids) - queued_before:  # what is left of the burst's jobs
		remove_job(queue, job_id)
	frappe.db.sql("delete from `tabNotification Log` where for_user in %(u)s", {"u": users})
	for table, column in (("ToDo", "reference_name"), ("Comment", "reference_name"), ("Version", "docname")):
		frappe.db.sql(f"delete from `tab{table}` where `{column}` = %s", breached.name)
	actions = frappe.get_all("Workflow Action", {"reference_name": breached.name}, pluck="name")
	for action in actions:
		delete_for_good("Workflow Action", action)
	delete_for_good("Ticket", breached.name)
	delete_for_good("Customer", customer.name)
	for user in users:
		frappe.db.sql("delete from `tabToDo` where allocated_to = %s", user)
		delete_for_good("User", user)
	frappe.db.commit()


def test_the_sla_job_is_queued_on_short():
	job_type = frappe.get_doc("Scheduled Job Type", {"method": SLA_METHOD})
	assert job_type.get_queue_name() == QUEUE
	other = frappe.get_doc(
		"Scheduled Job Type", {"method": "crm_suite.sales.follow_up.create_follow_up_todos"}
	)
	assert other.get_queue_name() == "default"
	nightly = frappe.get_doc("Scheduled Job Type", {"method": "crm_suite.analytics.rfm.run_nightly"})
	assert nightly.get_queue_name() == "long"


def test_the_sla_check_escalates_while_the_burst_still_waits(burst_site):
	default = get_queue("default")
	before = default.count  # jobs of others on this bench's queue are left alone
	frappe.flags.in_test = False  # Frappe runs notification jobs inline in tests; here they are queued
	# the assignments in the save (as `crm_sync_automation` has them), so that the burst, rolled back
	# below, leaves its notification jobs on `default` (deferred, the job would queue the same ones later)
	frappe.flags.crm_sync_automation = True
	try:
		frappe.set_user(burst_site.users[0])  # notifications go to the assignee from someone else
		frappe.set_user("Administrator")
		for i in range(LEADS):
			frappe.get_doc(
				{
					"doctype": "Lead",
					"first_name": "Burst",
					"last_name": str(i),
					"email_id": f"{unique()}@example.com",
				}
			).insert()
		for i in range(TICKETS):
			frappe.get_doc(
				{"doctype": "Ticket", "subject": f"Burst {i}", "customer": burst_site.customer}
			).insert()
	finally:
		frappe.flags.in_test = True
		frappe.flags.crm_sync_automation = False
	frappe.db.rollback()  # the records go; their jobs stay queued, as a burst leaves them
	flood = default.count - before
	assert flood >= LEADS + TICKETS, flood  # one notification job per assignment

	frappe.get_doc("Scheduled Job Type", {"method": SLA_METHOD}).enqueue(force=True)  # the scheduler's path
	worker = start_command("worker")
	try:
		escalated = wait_until(
			lambda: frappe.db.get_value("Ticket", burst_site.ticket, "escalated_on"),
			timeout=120,
			interval=0.3,
		)
		waiting = default.count - before
	finally:
		worker.terminate()
		worker.wait(timeout=60)
	assert escalated, "the SLA check did not run within 2 minutes"
	# the worker took the SLA job first: at most the job it was running and a few more had finished
	assert waiting >= flood * 0.8, (waiting, flood)
