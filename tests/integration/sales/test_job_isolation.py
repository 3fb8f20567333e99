"""One lead that fails does not stop the nightly Sales jobs: it is logged to the Error Log, the other
leads go on, and a re-run finishes it without doing anything twice.

The failing lead is real: another database session holds its row lock (as a user's long transaction
would), and the job's session waits at most one second for a lock."""

import threading
import time
from contextlib import contextmanager

import frappe
import pymysql
import pytest
from frappe.utils import add_days, now_datetime

from crm_suite.sales import follow_up, scoring
from tests.integration.factories import make_lead


@contextmanager
def row_locked_by_another_session(lead: str):
	db = frappe.db
	other = pymysql.connect(
		host=db.host, port=int(db.port or 3306), user=db.user, password=db.password, database=db.cur_db_name
	)
	frappe.db.sql("set session innodb_lock_wait_timeout = 1")
	try:
		with other.cursor() as cursor:
			cursor.execute("start transaction")
			cursor.execute("select name from `tabLead` where name = %s for update", (lead,))
			assert cursor.fetchall(), "the lead must be committed for another session to lock it"
		yield
	finally:
		other.rollback()
		other.close()
		frappe.db.sql("set session innodb_lock_wait_timeout = default")


@contextmanager
def deadlock_when_locking(held: str, wanted: str):
	"""This session holds lead `held`'s row lock; another session holds `wanted`'s and waits for `held`.
	When this session then locks `wanted`, InnoDB finds the deadlock and rolls back the lighter
	transaction as a whole: this one (the other has written 2,000 rows first, never committed)."""
	db = frappe.db
	other = pymysql.connect(
		host=db.host, port=int(db.port or 3306), user=db.user, password=db.password, database=db.cur_db_name
	)
	cursor = other.cursor()
	cursor.execute("start transaction")
	cursor.execute(
		"""insert into `tabToDo` (name, description, status)
		select concat('crm-deadlock-test-', seq), 'weight', 'Cancelled' from seq_1_to_2000"""
	)
	cursor.execute("select name from `tabLead` where name = %s for update", (wanted,))
	frappe.db.sql("select name from `tabLead` where name = %s for update", held)
	waiter = threading.Thread(
		target=cursor.execute, args=("select name from `tabLead` where name = %s for update", (held,))
	)
	waiter.start()
	time.sleep(0.5)  # the other session now waits for this one
	try:
		yield
	finally:
		frappe.db.rollback()  # (already rolled back by the deadlock) lets the waiter through
		waiter.join(timeout=30)
		other.rollback()
		other.close()


def error_logs(lead: str) -> int:
	return frappe.db.count("Error Log", {"reference_doctype": "Lead", "reference_name": lead})


@pytest.fixture
def untouched_leads(committed):
	"""Three committed open leads untouched for 10 days. Afterwards their ToDos and Error Logs go too:
	Frappe's assignment notification (run at once in tests) commits what the job wrote."""
	names = [committed(make_lead()).name for _ in range(3)]
	frappe.db.sql(
		"update `tabLead` set modified = %s where name in %s", (add_days(now_datetime(), -10), names)
	)
	frappe.db.commit()
	logs_before = {name: error_logs(name) for name in names}
	yield names, logs_before
	frappe.db.rollback()
	frappe.db.delete("ToDo", {"reference_type": "Lead", "reference_name": ["in", names]})
	frappe.db.delete("Error Log", {"reference_doctype": "Lead", "reference_name": ["in", names]})
	frappe.db.commit()


def test_follow_up_logs_a_failing_lead_and_goes_on(untouched_leads):
	(first, locked, last), logs = untouched_leads
	frappe.db.set_single_value("CRM Settings", "follow_up_days", 3)  # not committed: rolled back

	with row_locked_by_another_session(locked):
		follow_up.follow_up_untouched_leads()
	todo_of = dict(
		frappe.get_all(
			"Lead", {"name": ["in", [first, locked, last]]}, ["name", "follow_up_todo"], as_list=True
		)
	)
	assert todo_of[first] and todo_of[last] and not todo_of[locked]
	# the failed lead's ToDo was rolled back with it: nothing half-done
	assert not frappe.db.exists(
		"ToDo", {"reference_type": "Lead", "reference_name": locked, "description": ["like", "Follow up%"]}
	)
	assert error_logs(locked) == logs[locked] + 1 and error_logs(first) == logs[first]

	follow_up.follow_up_untouched_leads()  # the lock is gone: the re-run does the rest, nothing twice
	for name in (first, locked, last):
		assert (
			frappe.db.count(
				"ToDo",
				{"reference_type": "Lead", "reference_name": name, "description": ["like", "Follow up%"]},
			)
			== 1
		)
	assert error_logs(locked) == logs[locked] + 1


def test_scoring_logs_a_lead_it_cannot_write_and_scores_the_others(untouched_leads):
	(first, locked, last), logs = untouched_leads
	frappe.db.sql(
		"update `tabLead` set lead_score = 0, score_rule_points = 0 where name in %s",
		([first, locked, last],),
	)
	frappe.db.commit()  # (committed test leads; the other session must be able to lock them)

	with row_locked_by_another_session(locked):
		scored = scoring.score_open_leads()
	points = dict(
		frappe.get_all(
			"Lead", {"name": ["in", [first, locked, last]]}, ["name", "score_rule_points"], as_list=True
		)
	)
	assert points[first] > 0 and points[last] > 0 and points[locked] == 0
	assert error_logs(locked) == logs[locked] + 1 and error_logs(first) == logs[first]
	assert scored == frappe.db.count("Lead", {"status": ["in", scoring.OPEN_STATES]}) - 1

	scoring.score_open_leads()
	assert frappe.db.get_value("Lead", locked, "score_rule_points") == points[first]
	assert error_logs(locked) == logs[locked] + 1


def test_a_deadlock_stops_the_job_with_the_deadlock_not_a_missing_savepoint(untouched_leads):
	"""A deadlock rolls back the whole transaction, savepoints included: run_isolated re-raises it (the
	job runner retries the job) instead of logging it as one lead's failure and then failing on
	ROLLBACK TO SAVEPOINT; the leads after it are not touched in a transaction that is gone."""
	from crm_suite.sales.isolation import run_isolated

	(first, locked, last), logs = untouched_leads
	ran = []
	with deadlock_when_locking(first, locked):
		with pytest.raises(Exception) as raised:
			for name in (locked, last):
				run_isolated(
					lambda name=name: (
						frappe.db.sql("select name from `tabLead` where name = %s for update", name),
						ran.append(name),
					),
					"Lead",
					name,
					"test",
				)
	assert frappe.db.is_deadlocked(raised.value.__cause__ or raised.value), raised.value
	assert ran == []
	assert error_logs(locked) == logs[locked]


def test_scoring_stops_on_a_deadlock_and_a_locked_lead_stays_isolated(untouched_leads):
	"""The chunk's one UPDATE hits a deadlock: the job ends with it (no per-lead retry in a transaction
	that was rolled back, no savepoint error); a row lock wait is still one lead's failure (test above)."""
	(first, locked, last), logs = untouched_leads
	with deadlock_when_locking(first, locked):
		with pytest.raises(Exception) as raised:
			scoring.score_open_leads()
	assert frappe.db.is_deadlocked(raised.value.__cause__ or raised.value), raised.value
	assert error_logs(locked) == logs[locked]
