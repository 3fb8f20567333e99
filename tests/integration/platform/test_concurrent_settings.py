"""Saves of the app's settings (Singles) from several sessions at once queue instead of deadlocking.

Each session runs in a thread with its own frappe context and connection, as a gunicorn worker or a job
would, and commits after each step. Frappe keeps a Single as rows of `tabSingles` (no unique key) and saves
it with a locking read of its rows, a DELETE and an INSERT per field: with several sessions at once InnoDB
killed some saves with "Deadlock found" (a 500 over REST; schemathesis found it on Analytics Settings;
about one save in fifteen with four sessions here); saves of two different settings too, when MariaDB
read the small table by a full scan (a save of CRM Settings while a job stamped Analytics Settings). Now
every writer, and a reader that must see the latest commit, first takes one lock for the app's settings
(crm_suite/utils/singles.py) and waits there.
"""

import frappe
import pytest

from crm_suite.utils import singles
from tests.integration.factories import delete_users, make_user
from tests.integration.sessions import run_together

ROUNDS = 15  # steps per session; four sessions of fifteen saves deadlocked a few times on Frappe's Single


@pytest.fixture(scope="module")
def manager():
	user = make_user("CRM Manager")
	frappe.db.commit()
	yield user.name
	frappe.db.rollback()
	delete_users([user.name])
	frappe.db.commit()


def saves(doctype: str, user: str):
	"""A manager's REST PUT of the settings, again and again: loaded for update, saved, committed."""

	def work():
		frappe.set_user(user)
		for _ in range(ROUNDS):
			frappe.get_doc(doctype, doctype, for_update=True).save()
			frappe.db.commit()
		return doctype

	return work


def stamps(doctype: str, field: str):
	"""A job writing one value (as the nightly RFM job stamps its last run), again and again."""

	def work():
		for i in range(ROUNDS):
			singles.set_single_value(doctype, field, f"2026-01-01 00:00:{i:02d}")
			frappe.db.commit()
		return field

	return work


def locked_reads(doctype: str, field: str):
	"""A lead save's read of the own-records option, which a save of the settings must wait for."""

	def work():
		for _ in range(ROUNDS):
			singles.fresh_single_value(doctype, field, lock=True)
			frappe.db.commit()
		return field

	return work


@pytest.mark.parametrize("doctype", ["Analytics Settings", "CRM Settings", "Support Settings"])
def test_managers_saving_the_same_settings_at_once(site, manager, doctype):
	results = run_together(site, [saves(doctype, manager) for _ in range(4)])
	assert [r for r in results if isinstance(r, Exception)] == []
	assert results == [doctype] * 4


def test_saves_stamps_and_locked_reads_at_once(site, manager):
	last_run = frappe.db.get_single_value("Analytics Settings", "last_rfm_run")
	try:
		results = run_together(
			site,
			[
				saves("Analytics Settings", manager),
				saves("Analytics Settings", manager),
				stamps("Analytics Settings", "last_rfm_run"),
				saves("CRM Settings", manager),
				locked_reads("CRM Settings", "sales_users_see_own_records"),
				locked_reads("CRM Settings", "sales_users_see_own_records"),
			],
		)
	finally:
		singles.set_single_value("Analytics Settings", "last_rfm_run", last_run)
		frappe.db.commit()
	assert [r for r in results if isinstance(r, Exception)] == []
	assert sorted(results) == sorted(
		["Analytics Settings"] * 2 + ["last_rfm_run", "CRM Settings"] + ["sales_users_see_own_records"] * 2
	)
