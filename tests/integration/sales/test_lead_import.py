"""Leads through Frappe's own Data Import (the form's path: a Data Import document, its start_import job),
as a Sales Manager: good rows in, bad rows reported with their row number and reason, repeats of existing
leads flagged (or skipped, or merged), then the pass after the import scores and assigns them.

Frappe's importer commits after every row, so these tests commit and delete what they made."""

import csv
import io
import json

import frappe
import pytest

from crm_suite.sales import import_pass
from tests.integration.factories import delete_for_good, delete_imports, make_user, unique

HEADER = ["First Name", "Last Name", "Email", "Organisation", "Source"]


@pytest.fixture
def world():
	"""A Sales Manager who imports, a Sales User for the round robin, an existing lead; all deleted after."""
	made: list[tuple[str, str]] = []
	seller = make_user("Sales User")
	manager = make_user("Sales Manager")
	existing = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": "Existing",
			"last_name": unique(),
			"email_id": f"{unique('existing-')}@example.com",
		}
	).insert(ignore_permissions=True)
	made += [("User", seller.name), ("User", manager.name)]
	frappe.db.commit()
	state = frappe._dict(seller=seller.name, manager=manager.name, existing=existing, imports=[])
	yield state
	frappe.db.rollback()
	frappe.set_user("Administrator")
	frappe.db.set_single_value("CRM Settings", "import_duplicates", "Flag")
	for lead in [existing.name, *delete_imports(state.imports)]:
		frappe.db.delete("ToDo", {"reference_type": "Lead", "reference_name": lead})
		for action in frappe.get_all(
			"Workflow Action", filters={"reference_doctype": "Lead", "reference_name": lead}, pluck="name"
		):
			delete_for_good("Workflow Action", action)
		if frappe.db.exists("Lead", lead):
			delete_for_good("Lead", lead)
		frappe.db.delete("Stage History", {"reference_doctype": "Lead", "reference_name": lead})
		frappe.db.delete("Version", {"ref_doctype": "Lead", "docname": lead})
		frappe.db.delete("Document Follow", {"ref_doctype": "Lead", "ref_docname": lead})
		frappe.db.delete("Webhook Request Log", {"reference_document": lead})
	frappe.db.delete("Notification Log", {"from_user": manager.name})
	for doctype, name in reversed(made):
		if frappe.db.exists(doctype, name):
			delete_for_good(doctype, name)
		if doctype == "User":  # Frappe made a Contact for the user
			frappe.db.delete("Contact Email", {"email_id": name})
			frappe.db.delete("Contact", {"email_id": name})
	frappe.db.commit()


def run_import(world, rows: list[list[str]], import_type: str = "Insert New Records") -> dict:
	"""Import `rows` (under HEADER) as the Sales Manager through the Data Import form's server calls."""
	from frappe.core.doctype.data_import.data_import import form_start_import

	header = HEADER if import_type.startswith("Insert") else ["ID", "Organisation"]
	data_import = make_data_import(world, header, rows, "leads-", import_type=import_type)
	form_start_import(data_import.name)
	frappe.set_user("Administrator")
	return import_results(data_import.name)


def make_data_import(world, header: list[str], rows: list[list[str]], prefix: str, **fields):
	"""A Lead Data Import of `rows` (under `header`, a private CSV File), made as the Sales Manager;
	committed."""
	frappe.set_user(world.manager)
	content = io.StringIO()
	writer = csv.writer(content)
	writer.writerow(header)
	writer.writerows(rows)
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"{unique(prefix)}.csv",
			"content": content.getvalue().encode(),
			"is_private": 1,
		}
	).insert()
	data_import = frappe.get_doc(
		{"doctype": "Data Import", "reference_doctype": "Lead", "import_file": file.file_url, **fields}
	).insert()
	world.imports.append(data_import.name)
	frappe.db.commit()
	return data_import


def import_results(data_import: str) -> frappe._dict:
	"""The import's status and its log: rows imported (row -> lead), rows failed (row -> messages)."""
	logs = frappe.get_all(
		"Data Import Log",
		filters={"data_import": data_import},
		fields=["success", "docname", "messages", "row_indexes"],
		order_by="log_index",
	)
	return frappe._dict(
		status=frappe.db.get_value("Data Import", data_import, "status"),
		ok={json.loads(log.row_indexes)[0]: log.docname for log in logs if log.success},
		failed={json.loads(log.row_indexes)[0]: log.messages for log in logs if not log.success},
		logs=logs,
	)


def test_import_flags_repeats_reports_bad_rows_then_scores_and_assigns(world):
	email = world.existing.email_id
	rows = [
		["Grace", unique(), f"{unique()}@example.com", "Navy Labs", "Website"],
		["Again", unique(), email.upper(), "Repeat Ltd", "Referral"],  # repeats the existing lead
		["Bad", unique(), "not-an-email", "Broken Inc", "Website"],
		["Linus", unique(), f"{unique()}@example.com", "", "Partner"],
	]
	result = run_import(world, rows)
	assert result.status == "Partial Success"
	assert set(result.ok) == {2, 3, 5}, "rows are numbered as in the file (header is row 1)"
	assert list(result.failed) == [4]
	assert "not-an-email" in result.failed[4] or "email" in result.failed[4].lower()
	assert not frappe.db.exists("Lead", {"company_name": "Broken Inc"}), "nothing of the bad row saved"

	imported = list(result.ok.values())
	pending = frappe.get_all("Lead", filters={"name": ["in", imported]}, fields=["import_pending", "_assign"])
	assert all(r.import_pending for r in pending) and not any(json.loads(r._assign or "[]") for r in pending)

	assert import_pass.run() >= 3
	leads = {
		r.name: r
		for r in frappe.get_all(
			"Lead",
			filters={"name": ["in", imported]},
			fields=["name", "import_pending", "is_duplicate", "score_updated_on", "lead_score", "_assign"],
		)
	}
	repeat = result.ok[3]
	assert leads[repeat].is_duplicate == 1
	assert frappe.get_all(
		"Lead Duplicate", filters={"parent": repeat}, fields=["reference_doctype", "reference_name"]
	) == [{"reference_doctype": "Lead", "reference_name": world.existing.name}]
	assert frappe.db.get_value("Lead", world.existing.name, "is_duplicate") == 0, "the earlier lead stays"
	assert leads[result.ok[2]].is_duplicate == 0
	rule_users = set(
		frappe.get_all("Assignment Rule User", filters={"parent": "Lead Round Robin"}, pluck="user")
	)
	assert world.seller in rule_users
	for lead in leads.values():
		assert lead.import_pending == 0 and lead.score_updated_on and lead.lead_score > 0
		(assignee,) = json.loads(lead._assign)
		assert assignee in rule_users
		assert frappe.db.exists(
			"ToDo",
			{
				"reference_type": "Lead",
				"reference_name": lead.name,
				"allocated_to": assignee,
				"status": "Open",
			},
		)
	assert import_pass.run() == 0, "nothing left: a second run changes nothing"


def test_skip_leaves_repeats_out_with_the_lead_they_repeat(world):
	frappe.db.set_single_value("CRM Settings", "import_duplicates", "Skip")
	frappe.db.commit()
	rows = [
		["Again", unique(), world.existing.email_id, "Repeat Ltd", "Referral"],
		["Fresh", unique(), f"{unique()}@example.com", "Fresh Ltd", "Website"],
	]
	result = run_import(world, rows)
	assert list(result.failed) == [2] and list(result.ok) == [3]
	assert world.existing.name in result.failed[2]
	assert not frappe.db.exists("Lead", {"company_name": "Repeat Ltd", "email_id": world.existing.email_id})


def test_merge_folds_repeats_into_the_existing_lead(world):
	frappe.db.set_single_value("CRM Settings", "import_duplicates", "Merge")
	frappe.db.commit()
	result = run_import(world, [["Again", unique(), world.existing.email_id, "Merged Ltd", "Trade Show"]])
	(repeat,) = result.ok.values()
	import_pass.run()
	merged_into, status = frappe.db.get_value("Lead", repeat, ["merged_into", "status"])
	assert merged_into == world.existing.name and status == "Unqualified"
	# The original takes what it lacked from the repeat.
	assert frappe.db.get_value("Lead", world.existing.name, "company_name") == "Merged Ltd"


def test_update_import_keeps_the_save_rules(world):
	result = run_import(world, [[world.existing.name, "Updated Org"]], import_type="Update Existing Records")
	assert result.status == "Success"
	lead = frappe.get_doc("Lead", world.existing.name)
	assert lead.company_name == "Updated Org" and lead.import_pending == 0


def test_only_importing_roles_may_import_leads(world):
	frappe.set_user(make_user("Support Manager").name)
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc(
			{"doctype": "Data Import", "reference_doctype": "Lead", "import_type": "Insert New Records"}
		).insert()
	frappe.set_user(make_user("Sales User").name)
	with pytest.raises(frappe.PermissionError):
		frappe.get_doc(
			{"doctype": "Data Import", "reference_doctype": "Lead", "import_type": "Insert New Records"}
		).insert()
	frappe.set_user(world.manager)
	assert frappe.permissions.can_import("Lead") and frappe.permissions.can_import("Contact")
	assert not frappe.permissions.can_import("Ticket")


def test_imported_leads_get_the_workflow_action_frappe_would_make(world):
	result = run_import(world, [["Flow", unique(), f"{unique()}@example.com", "Flow Ltd", "Website"]])
	(lead,) = result.ok.values()
	actions = frappe.get_all(
		"Workflow Action",
		filters={"reference_doctype": "Lead", "reference_name": lead},
		fields=["name", "workflow_state", "status"],
	)
	assert [(a.workflow_state, a.status) for a in actions] == [("New", "Open")], "exactly one, as on save"
	roles = set(
		frappe.get_all("Workflow Action Permitted Role", filters={"parent": actions[0].name}, pluck="role")
	)
	# The roles of the Lead Workflow's transitions out of New (Contact, Disqualify; Convert needs a customer).
	assert roles == {"Sales User", "Sales Manager", "CRM Manager"}
	frappe.db.delete("Workflow Action Permitted Role", {"parent": actions[0].name})
	frappe.db.delete("Workflow Action", {"name": actions[0].name})
	frappe.db.commit()


def test_the_hourly_sweep_is_scheduled_and_queues_the_pass_only_while_leads_are_pending():
	"""The pass after an import is queued when the import ends; the hourly sweep queues it again for leads
	still pending (a job that died, a worker that was down), and does nothing otherwise."""
	method = "crm_suite.sales.import_pass.sweep"
	assert method in frappe.get_hooks("scheduler_events")["hourly"]
	assert frappe.db.get_value("Scheduled Job Type", {"method": method}, "frequency") == "Hourly"
	frappe.db.sql("update tabLead set import_pending = 0 where import_pending = 1")  # rolled back after
	queued = len(frappe.db.after_commit._functions)
	import_pass.sweep()
	assert len(frappe.db.after_commit._functions) == queued, "nothing pending, nothing queued"
	lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": "Pending",
			"last_name": unique(),
			"email_id": f"{unique()}@example.com",
		}
	).insert()
	lead.db_set("import_pending", 1, update_modified=False)
	# a pass queued by an earlier import of this site (no worker runs in tests) would be kept, not queued
	# twice (Frappe's deduplicate): take it off so the sweep's own queueing shows
	from frappe.utils.background_jobs import get_job

	if job := get_job(import_pass.JOB_ID):
		job.delete()
	queued = len(frappe.db.after_commit._functions)
	import_pass.sweep()
	assert len(frappe.db.after_commit._functions) == queued + 1, "the pass is queued after the commit"
