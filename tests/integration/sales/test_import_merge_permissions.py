"""Merge mode of a Lead import ("Imported Leads That Repeat an Existing Lead" = Merge) and the importer's
record rules: the pass that merges may run as anyone (the hourly sweep's job runs as Administrator), but
a merge is made as the importer, so an imported lead that repeats a lead the importer may not edit (here:
a User Permission on Territory hides it) is not merged into it. The importer is told the row and why, the
hidden lead's name reaches neither the imported lead (`merged_into`) nor the importer, and nothing goes
to the Error Log. The bulk path commits, so the test deletes what it made."""

import json

import frappe
import pytest
from frappe.utils.background_jobs import get_job

from crm_suite.sales import bulk_import, import_pass
from tests.integration.factories import (
	delete_for_good,
	delete_imports,
	error_log_names,
	error_logs_since,
	make_user,
	unique,
)
from tests.integration.sales import test_lead_import


@pytest.fixture
def regions():
	"""A Sales Manager limited by a User Permission to one territory, a lead in another territory; all
	deleted after."""
	mine = frappe.get_doc({"doctype": "Territory", "territory_name": unique("Mine ")}).insert().name
	other = frappe.get_doc({"doctype": "Territory", "territory_name": unique("Other ")}).insert().name
	manager = make_user("Sales Manager")
	frappe.get_doc(
		{"doctype": "User Permission", "user": manager.name, "allow": "Territory", "for_value": mine}
	).insert(ignore_permissions=True)
	hidden = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": "Hidden",
			"last_name": unique(),
			"email_id": f"{unique('hidden-')}@example.com",
			"territory": other,
		}
	).insert(ignore_permissions=True)
	frappe.db.set_single_value("CRM Settings", "import_duplicates", "Merge")
	frappe.db.commit()
	state = frappe._dict(manager=manager.name, mine=mine, other=other, hidden=hidden, imports=[], leads=[])
	yield state
	frappe.db.rollback()
	frappe.set_user("Administrator")
	frappe.db.set_single_value("CRM Settings", "import_duplicates", "Flag")
	for lead in [hidden.name, *state.leads, *delete_imports(state.imports)]:
		for doctype, field in (
			("ToDo", "reference_name"),
			("Comment", "reference_name"),
			("Version", "docname"),
			("Stage History", "reference_name"),
			("Document Follow", "ref_docname"),
			("Lead Duplicate", "parent"),
		):
			frappe.db.delete(doctype, {field: lead})
		for action in frappe.get_all("Workflow Action", {"reference_name": lead}, pluck="name"):
			delete_for_good("Workflow Action", action)
		frappe.db.delete("Lead", {"name": lead})
	frappe.db.delete("Notification Log", {"for_user": manager.name})
	frappe.db.delete("User Permission", {"user": manager.name})
	delete_for_good("User", manager.name)
	for territory in (mine, other):
		delete_for_good("Territory", territory)
	frappe.db.commit()


def test_the_sweep_merges_as_the_importer_and_reports_a_repeat_of_a_hidden_lead(regions):
	logged = error_log_names()
	hidden = regions.hidden
	frappe.set_user(regions.manager)
	assert frappe.get_list("Lead", filters={"name": hidden.name}) == []  # the importer can't see it
	frappe.set_user("Administrator")
	data_import = test_lead_import.make_data_import(
		regions,
		["First Name", "Last Name", "Email", "Territory"],
		[
			["Fresh", unique(), f"{unique()}@example.com", regions.mine],  # row 2
			["Again", unique(), hidden.email_id.upper(), regions.mine],  # row 3: repeats the hidden lead
		],
		"merge-",
		import_type="Insert New Records",
		crm_bulk_insert=1,
	)
	run_import_without_its_pass(data_import, regions.manager)
	results = test_lead_import.import_results(data_import.name)
	repeat = results.ok[3]
	assert frappe.db.get_value("Lead", repeat, "import_pending") == 1

	# the sweep's job: as Administrator (the scheduler's user)
	import_pass.sweep()
	import_pass.run()
	frappe.db.commit()

	lead = frappe.db.get_value(
		"Lead", repeat, ["merged_into", "status", "is_duplicate", "import_pending"], as_dict=True
	)
	assert lead.merged_into is None  # not merged as Administrator into a lead the importer can't edit
	assert lead.status != "Unqualified" and lead.is_duplicate == 1 and lead.import_pending == 0
	assert frappe.db.get_value("Lead", hidden.name, "modified") == frappe.utils.get_datetime(hidden.modified)

	notes = frappe.get_all(
		"Notification Log",
		filters={"for_user": regions.manager, "document_type": "Data Import"},
		fields=["subject", "document_name"],
	)
	log = frappe.get_all(
		"Data Import Log",
		filters={"data_import": data_import.name, "docname": repeat},
		fields=["messages"],
	)
	assert [n.document_name for n in notes] == [data_import.name]
	assert "Row 3" in notes[0].subject and "may not edit" in notes[0].subject
	messages = json.loads(log[0].messages)
	assert [m["message"] for m in messages] == [notes[0].subject]
	for text in [notes[0].subject, log[0].messages]:
		assert hidden.name not in text and hidden.lead_name not in text  # nothing leaks
	assert error_logs_since(logged) == []


def test_a_repeat_of_a_lead_the_importer_may_edit_is_still_merged_by_the_sweep(regions):
	visible = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": "Visible",
			"last_name": unique(),
			"email_id": f"{unique('visible-')}@example.com",
			"territory": regions.mine,
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	data_import = test_lead_import.make_data_import(
		regions,
		["First Name", "Last Name", "Email", "Territory"],
		[["Again", unique(), visible.email_id, regions.mine]],
		"merge-",
		import_type="Insert New Records",
		crm_bulk_insert=1,
	)
	run_import_without_its_pass(data_import, regions.manager)
	repeat = test_lead_import.import_results(data_import.name).ok[2]
	import_pass.sweep()
	import_pass.run()
	frappe.db.commit()
	try:
		assert frappe.db.get_value("Lead", repeat, "merged_into") == visible.name
	finally:
		frappe.db.delete("Lead", {"name": visible.name})
		for doctype, field in (
			("ToDo", "reference_name"),
			("Comment", "reference_name"),
			("Version", "docname"),
			("Stage History", "reference_name"),
			("Workflow Action", "reference_name"),
		):
			frappe.db.delete(doctype, {field: visible.name})
		frappe.db.commit()


def test_a_refused_merge_is_noted_once_even_when_its_chunk_is_redone_and_a_bad_log_never_stops_the_pass(
	regions,
):
	"""The Data Import Log is MyISAM: a chunk killed before its commit and redone reported the refused
	merge twice in the row's messages. A log whose row_indexes is "[]" raised IndexError, the chunk aborted
	and the sweep failed on the same leads every hour."""
	logged = error_log_names()
	data_import = test_lead_import.make_data_import(
		regions,
		["First Name", "Last Name", "Email", "Territory"],
		[["Again", unique(), regions.hidden.email_id, regions.mine]],
		"merge-",
		import_type="Insert New Records",
		crm_bulk_insert=1,
	)
	run_import_without_its_pass(data_import, regions.manager)
	repeat = test_lead_import.import_results(data_import.name).ok[2]

	def messages():
		logs = frappe.get_all("Data Import Log", {"data_import": data_import.name}, ["name", "messages"])
		return logs[0].name, json.loads(logs[0].messages or "[]")

	import_pass.run()  # the chunk as its first try ran it
	frappe.db.commit()
	# killed before its commit: the lead is pending again, the MyISAM log kept its note; the chunk is redone
	frappe.db.set_value("Lead", repeat, "import_pending", 1, update_modified=False)
	frappe.db.commit()
	import_pass.run()
	frappe.db.commit()
	log, notes = messages()
	assert len(notes) == 1 and "Row 2" in notes[0]["message"], notes

	# a log without row indexes: the pass goes on, the importer is still told
	frappe.db.set_value("Data Import Log", log, {"row_indexes": "[]", "messages": "[]"})
	frappe.db.set_value("Lead", repeat, "import_pending", 1, update_modified=False)
	frappe.db.commit()
	import_pass.run()
	frappe.db.commit()
	assert frappe.db.get_value("Lead", repeat, "import_pending") == 0
	assert f"Imported lead {repeat} was not merged" in messages()[1][0]["message"]
	assert error_logs_since(logged) == []


def test_the_sweep_merges_and_reports_in_the_language_of_the_importer(regions):
	"""The sweep's worker (Administrator, English) wrote an Italian importer's merge comments and the note
	of a refused merge in its own language: they are in the importer's now, and the worker's is back after."""
	frappe.db.set_value("User", regions.manager, "language", "it")
	frappe.clear_cache(user=regions.manager)  # Frappe caches a user's language
	visible = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": "Visible",
			"last_name": unique(),
			"email_id": f"{unique('visible-')}@example.com",
			"territory": regions.mine,
		}
	).insert(ignore_permissions=True)
	regions.leads.append(visible.name)
	frappe.db.commit()
	data_import = test_lead_import.make_data_import(
		regions,
		["First Name", "Last Name", "Email", "Territory"],
		[
			["Again", unique(), visible.email_id, regions.mine],  # row 2: merged
			["Again", unique(), regions.hidden.email_id, regions.mine],  # row 3: not merged (hidden lead)
		],
		"merge-",
		import_type="Insert New Records",
		crm_bulk_insert=1,
	)
	run_import_without_its_pass(data_import, regions.manager)
	rows = test_lead_import.import_results(data_import.name).ok
	frappe.local.lang = "en"  # the worker's language (the sweep's job: the site's)
	import_pass.sweep()
	import_pass.run()
	frappe.db.commit()

	assert frappe.local.lang == "en"
	assert frappe.db.get_value("Lead", rows[2], "merged_into") == visible.name
	comments = frappe.get_all(
		"Comment",
		filters={"reference_doctype": "Lead", "reference_name": ["in", [visible.name, rows[2]]]},
		fields=["reference_name", "content"],
	)
	comments = {(c.reference_name, c.content) for c in comments}
	assert (rows[2], f"Unito al lead {visible.name}.") in comments, comments
	assert any(name == visible.name and text.startswith(f"Il lead {rows[2]} (") for name, text in comments)
	notes = frappe.get_all("Notification Log", {"for_user": regions.manager}, pluck="subject")
	assert notes == [
		f"Riga 3: non unito: ripete un lead che non puoi modificare. Resta come duplicato segnalato ({rows[3]})."
	]
	log = frappe.get_all(
		"Data Import Log", {"data_import": data_import.name, "docname": rows[3]}, pluck="messages"
	)
	assert json.loads(log[0])[-1] == {"title": "Non unito", "message": notes[0]}


def run_import_without_its_pass(data_import, user: str) -> None:
	"""The Bulk Insert import as its background job runs it for `user` (jobs queued, not run at once), its
	pass then lost (as when a worker dies): the hourly sweep finds the leads still pending."""
	frappe.set_user(user)
	frappe.flags.in_test = False
	try:
		assert bulk_import.run(frappe.get_doc("Data Import", data_import.name)) == "Success"
	finally:
		frappe.flags.in_test = True
		frappe.set_user("Administrator")
		if job := get_job(import_pass.JOB_ID):
			job.delete()
