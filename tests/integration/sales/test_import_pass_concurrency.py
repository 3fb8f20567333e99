"""The import pass (crm_suite/sales/import_pass.py) beside the deferred-automation job
(crm_suite/utils/workflow_actions.py) and single saves, each in its own session and connection, as the
`long` worker, the `short` worker and the web server run them.

Leads written by the bulk path wait for the pass (`import_pending`); meanwhile a Sales User saves leads
one by one as the web server does (their Assignment Rule and Workflow Action wait for the job), and
another as a test-mode save does (Frappe's handlers in the save). The pass and the job run until nothing
is left. Every lead must end once, scored, with one ToDo; no session may fail (a deadlock or a lock wait
timeout would fail one) and nothing may reach the Error Log. The pass's UPDATEs once scanned the whole
`tabLead` when the optimizer chose to (a small table, or an import that is most of it), locking rows of
single saves that the job or a save held while it held the chunk: a lock wait, or a deadlock."""

import threading
import time
from collections import Counter

import frappe
import pytest
from frappe.utils.background_jobs import get_job

from crm_suite.devserver import delete_traces
from crm_suite.sales import bulk_import, import_pass, routing
from crm_suite.utils import workflow_actions
from tests.integration.factories import delete_for_good, error_log_names, error_logs_since, make_user, unique
from tests.integration.sessions import run_in_threads

PENDING = 400
SAVED = 40


@pytest.fixture
def crowd():
	"""Two Sales Users (the round robin's), a Sales Manager who imports; their leads deleted after."""
	sellers = [make_user("Sales User") for _ in range(2)]
	manager = make_user("Sales Manager")
	routing.sync_round_robin_users()
	frappe.db.commit()
	state = frappe._dict(sellers=[u.name for u in sellers], manager=manager.name, tag=unique("pass-"))
	yield state
	frappe.db.rollback()
	frappe.set_user("Administrator")
	leads = frappe.get_all("Lead", {"email_id": ["like", f"%@{state.tag}.example.com"]}, pluck="name")
	names = leads or [""]
	delete_traces(names)
	frappe.db.sql("delete from `tabDeferred Automation` where reference_name in %(n)s", {"n": names})
	frappe.db.sql("delete from `tabStage History` where reference_name in %(n)s", {"n": names})
	frappe.db.sql("delete from `tabLead` where name in %(n)s", {"n": names})
	users = [*state.sellers, manager.name]
	frappe.db.sql(
		"delete from `tabNotification Log` where for_user in %(u)s or from_user in %(u)s", {"u": users}
	)
	for user in users:
		delete_for_good("User", user)
	routing.sync_round_robin_users()
	frappe.db.commit()
	for job_id in (workflow_actions.JOB_ID, import_pass.JOB_ID):  # queued by the server-mode saves
		if job := get_job(job_id):
			job.delete()


def pending_leads(state, count: int) -> list[str]:
	"""`count` leads as the bulk path writes them (import_pending), as the manager; committed."""
	frappe.set_user(state.manager)
	leads = [
		bulk_import.build_lead(
			{"first_name": "Pending", "last_name": str(i), "email_id": f"pending{i}@{state.tag}.example.com"}
		)
		for i in range(count)
	]
	bulk_import.assign_names(leads)
	bulk_import.write_leads(leads)
	frappe.db.commit()
	frappe.set_user("Administrator")
	return [lead.name for lead in leads]


def test_the_pass_the_deferred_job_and_single_saves_at_once_finish_every_lead_once(site, crowd):
	logged = error_log_names()
	imported = pending_leads(crowd, PENDING)
	saving = threading.Event()
	saving.set()

	def save(server: bool):
		def work():
			frappe.flags.in_test = not server  # the server defers to the job; a test-mode save does not
			names = []
			for i in range(SAVED):
				lead = frappe.get_doc(
					{
						"doctype": "Lead",
						"first_name": "Saved",
						"last_name": str(i),
						# repeats an imported lead: the save stores its Lead Duplicate rows
						"email_id": f"pending{i * 5 + (0 if server else 1)}@{crowd.tag}.example.com",
					}
				).insert()
				frappe.db.commit()
				names.append(lead.name)
			frappe.flags.in_test = True
			return names

		return work

	def saves_then_stop(server: bool):
		work = save(server)

		def run():
			try:
				return work()
			finally:
				saving.clear()

		return run

	def job():
		done = 0
		while True:
			still_saving = saving.is_set()
			done += workflow_actions.run_pending(budget=5)
			frappe.db.commit()
			if not still_saving and not frappe.db.exists(workflow_actions.QUEUE_DOCTYPE, {}):
				return done
			time.sleep(0.05)

	results = run_in_threads(
		site,
		[import_pass.run, job, saves_then_stop(True), save(False)],
		users=[crowd.manager, "Administrator", crowd.sellers[0], crowd.sellers[1]],
		timeout=300,
	)
	assert [r for r in results if isinstance(r, BaseException)] == []
	saved = [name for r in results if isinstance(r, list) for name in r]
	assert len(saved) == 2 * SAVED
	leads = imported + saved

	rows = frappe.get_all(
		"Lead",
		{"email_id": ["like", f"%@{crowd.tag}.example.com"]},
		["name", "import_pending", "score_updated_on", "_assign"],
	)
	assert sorted(r.name for r in rows) == sorted(leads)  # every lead once
	assert [r.name for r in rows if r.import_pending] == []
	assert [r.name for r in rows if not r.score_updated_on] == []
	todos = frappe.get_all(
		"ToDo", {"reference_type": "Lead", "reference_name": ["in", leads]}, pluck="reference_name"
	)
	assert Counter(todos) == Counter({lead: 1 for lead in leads})  # assigned once each
	assert not frappe.db.exists(workflow_actions.QUEUE_DOCTYPE, {"reference_name": ["in", leads]})
	assert error_logs_since(logged) == []


def test_the_pass_never_waits_for_a_lead_it_did_not_claim(site, crowd):
	"""The job holds the lead it runs for (`apply`: FOR UPDATE) to its commit, and then takes the round
	robin's rule row, Workflow Action rows, ToDos: the pass must not wait for that lead while it holds its
	chunk (and the rule's row), or the two wait for each other. Its statements touch only claimed rows."""
	imported = pending_leads(crowd, 200)
	frappe.set_user(crowd.sellers[0])
	saved = (
		frappe.get_doc(
			{
				"doctype": "Lead",
				"first_name": "Saved",
				"last_name": "Held",
				"email_id": f"held@{crowd.tag}.example.com",
			}
		)
		.insert()
		.name
	)
	frappe.db.commit()
	frappe.set_user("Administrator")
	held, finished = threading.Event(), threading.Event()

	def job_holds_the_lead():
		frappe.db.sql("select name from `tabLead` where name = %s for update", saved)  # as `apply` does
		held.set()
		return finished.wait(timeout=20)  # the pass finished while the lead was held

	def the_pass():
		assert held.wait(timeout=20)
		done = import_pass.run()
		finished.set()
		return done

	results = run_in_threads(site, [job_holds_the_lead, the_pass], users=["Administrator", crowd.manager])
	assert [r for r in results if isinstance(r, BaseException)] == []
	assert True in results, "the pass waited for a lead it had not claimed"
	assert frappe.db.count("Lead", {"name": ["in", imported], "import_pending": 1}) == 0
