"""Concurrent saves of workflow-governed documents: no deadlock on Frappe's Workflow Action rows (issue 18).

Each save runs in its own database session (a thread with its own frappe context), as two gunicorn
workers would. A barrier lines both up where Frappe's Workflow is about to insert the new Workflow
Action, after its UPDATE of the document's open actions has locked the end of the `user` index: on the
old code both sessions got there and each insert waited for the other's lock (InnoDB killed one with a
deadlock, a 500 over REST). Now the second session waits for the first one's commit before it starts on
the Workflow Action rows, so the barrier times out for the first and both saves succeed.
"""

import threading

import frappe
import pytest
from frappe.workflow.doctype.workflow_action import workflow_action

from tests.integration.factories import delete_for_good, make_customer, make_user, unique
from tests.integration.sessions import run_in_threads

WAIT = 3  # seconds the first session waits at the barrier for a second one that (now) cannot come


@pytest.fixture
def people():
	manager = make_user("Sales Manager")
	agent = make_user("Support Agent")
	customer = make_customer()
	frappe.db.commit()
	made: list[tuple[str, str]] = []
	yield frappe._dict(manager=manager.name, agent=agent.name, customer=customer.name, made=made)
	frappe.db.rollback()
	names = [name for _doctype, name in made] or [""]
	actions = frappe.get_all("Workflow Action", {"reference_name": ("in", names)}, pluck="name")
	for action in actions:
		delete_for_good("Workflow Action", action)
	for table, column in (("ToDo", "reference_name"), ("Version", "docname"), ("Comment", "reference_name")):
		frappe.db.sql(f"delete from `tab{table}` where `{column}` in %(n)s", {"n": names})
	for doctype, name in made:
		delete_for_good(doctype, name)
	delete_for_good("Customer", customer.name)
	for user in (manager.name, agent.name):
		delete_for_good("User", user)
	frappe.db.commit()


def test_a_lead_and_a_ticket_saved_at_once_both_get_their_workflow_action(site, people, monkeypatch):
	barrier = threading.Barrier(2, timeout=WAIT)
	real = workflow_action.create_workflow_actions_for_roles

	def lined_up(roles, doc):
		try:
			barrier.wait()  # on the old code both sessions hold the index-end lock here
		except threading.BrokenBarrierError:
			pass  # the other session waits for this one's commit: go on alone
		return real(roles, doc)

	monkeypatch.setattr(workflow_action, "create_workflow_actions_for_roles", lined_up)
	marker = unique("concurrent-")
	lead = {"doctype": "Lead", "first_name": "Both", "last_name": marker, "email_id": f"{marker}@example.com"}
	ticket = {"doctype": "Ticket", "subject": marker, "customer": people.customer}
	works = [lambda doc=doc: frappe.get_doc(doc).insert().name for doc in (lead, ticket)]
	# a fresh snapshot afterwards sees both sessions' commits
	results = run_in_threads(site, works, timeout=120, users=[people.manager, people.agent])
	people.made.extend(
		[("Lead", n) for n in frappe.get_all("Lead", {"last_name": marker}, pluck="name")]
		+ [("Ticket", n) for n in frappe.get_all("Ticket", {"subject": marker}, pluck="name")]
	)
	errors = [r for r in results if isinstance(r, Exception)]
	assert not errors, errors
	assert len(results) == 2
	for doctype, name in people.made:
		actions = frappe.get_all(
			"Workflow Action",
			{"reference_doctype": doctype, "reference_name": name, "status": "Open"},
			pluck="workflow_state",
		)
		assert actions == ["New" if doctype == "Lead" else "Open"], (doctype, name, actions)


def test_a_save_that_keeps_the_state_takes_no_lock(people):
	"""Only inserts and state changes write Workflow Actions; other saves don't queue behind them."""
	frappe.set_user(people.manager)
	lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": "Edit",
			"last_name": unique(),
			"email_id": f"{unique()}@example.com",
		}
	).insert()
	calls = []
	real_sql = frappe.db.sql

	def spy(query, *args, **kwargs):
		if "for update" in str(query).lower() and "tabDocType" in str(query):
			calls.append(query)
		return real_sql(query, *args, **kwargs)

	lead.reload()
	lead.job_title = "Buyer"
	frappe.db.sql = spy
	try:
		lead.save()
		assert calls == []
		lead.status = "Contacted"
		lead.save()
		assert len(calls) == 1
	finally:
		frappe.db.sql = real_sql


def _touch_rule_in_own_session(site, sites_path, rule, results):
	"""What every assignment does to the rule in another worker: last_user written, modified moved on."""
	frappe.init(site=site, sites_path=sites_path)
	try:
		frappe.connect()
		frappe.db.set_value(
			"Assignment Rule", rule, "last_user", frappe.db.get_value("Assignment Rule", rule, "last_user")
		)
		frappe.db.commit()
		results.append("ok")
	except Exception as e:
		results.append(e)
	finally:
		frappe.destroy()


@pytest.mark.parametrize(
	"role, rule", [("Sales User", "Lead Round Robin"), ("Support Agent", "Ticket Round Robin")]
)
def test_a_new_seller_or_agent_while_records_are_being_assigned(site, role, rule):
	"""Saving a Sales User (Support Agent) rewrites the round robin's user list. Meanwhile another worker's
	assignment writes the rule (last_user and modified): the list was read from the transaction's older
	snapshot and the save failed with 'Document has been modified after you have opened it'."""
	frappe.db.get_value("Assignment Rule", rule, "modified")  # this transaction's snapshot starts here
	results: list = []
	other = threading.Thread(
		target=_touch_rule_in_own_session, args=(site, frappe.local.sites_path, rule, results)
	)
	other.start()
	other.join(timeout=60)
	assert results == ["ok"], results
	user = make_user(role)  # syncs the rule's users (rolled back with the test)
	assert user.name in frappe.get_all("Assignment Rule User", {"parent": rule}, pluck="user")
