"""The bulk path of a Lead import (crm_suite/sales/bulk_import.py): Frappe's Data Import with "Bulk
Insert" ticked, started from the form's server call as a Sales Manager. Bad rows are reported with their
row number and reason while good rows go in; the leads are named by their series, get their first stage
and their Workflow Action; the pass after the import flags repeats, scores and assigns them (with the
"assigned" timeline entry Frappe's assignment writes); a rerun after a chunk that died neither loses nor
doubles rows; only the importing roles may run it. The leads leave what Frappe's importer leaves (a
Version "created via Data Import", the importer's follow), reach the `after_insert` Webhooks of an
integration (a real HTTP server on loopback), and each assignee is notified once per chunk of the pass.

The bulk path commits chunk by chunk, so these tests commit and delete what they made (the `world`
fixture of test_lead_import)."""

import csv
import io
import json
from collections import Counter
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

import frappe
import pytest

from crm_suite.devserver import start_command
from crm_suite.sales import bulk_import, import_pass
from tests.integration.factories import delete_for_good, make_user, unique
from tests.integration.loopback import HttpServer
from tests.integration.sales import test_lead_import

world = test_lead_import.world  # the fixture: a Sales Manager, a seller, an existing lead; all deleted after

HEADER = ["First Name", "Last Name", "Email", "Organisation", "Source", "Phone", "Status"]


def make_import(world, rows: list[list[str]], bulk: int = 1):
	"""A Lead Data Import of `rows` (under HEADER), made as the Sales Manager; committed."""
	return test_lead_import.make_data_import(
		world, HEADER, rows, "bulk-", import_type="Insert New Records", crm_bulk_insert=bulk
	)


results = test_lead_import.import_results


def start(world, data_import) -> frappe._dict:
	"""*Start Import* as the form does it (the job runs at once in tests), as the Sales Manager."""
	from frappe.core.doctype.data_import.data_import import form_start_import

	frappe.set_user(world.manager)
	form_start_import(data_import.name)
	frappe.set_user("Administrator")
	return results(data_import.name)


def test_bulk_import_reports_bad_rows_and_the_pass_finishes_the_good_ones(world):
	email = world.existing.email_id
	phone = f"+44 20 7946 {frappe.utils.random_string(4)}"  # a number no other test's lead has
	phone = "+44 20 7946 " + "".join(str(ord(c) % 10) for c in phone[-4:])
	rows = [
		["Grace", unique(), f"{unique()}@example.com", "Navy Labs", "Website", "", ""],  # 2
		["Again", unique(), email.upper(), "Repeat Ltd", "Referral", "", ""],  # 3: repeats the existing lead
		["Bad", unique(), "not-an-email", "Broken Inc", "Website", "", ""],  # 4: bad email
		["", "", f"{unique()}@example.com", "", "Website", "", ""],  # 5: no name nor organisation
		["Ahead", unique(), f"{unique()}@example.com", "Skip Ltd", "Website", "", "Contacted"],  # 6
		["Linus", unique(), f"{unique()}@example.com", "", "Partner", phone, ""],  # 7
		["Phone", unique(), "", "Same Phone", "Partner", phone.replace(" ", ""), ""],  # 8: row 7's phone
	]
	data_import = make_import(world, rows)
	result = start(world, data_import)
	assert result.status == "Partial Success"
	assert set(result.ok) == {2, 3, 7, 8}, "rows are numbered as in the file (header is row 1)"
	assert set(result.failed) == {4, 5, 6}
	assert "not-an-email" in result.failed[4]
	assert "first name or an organisation" in result.failed[5]
	assert "Contacted" in result.failed[6], "a lead starts where its workflow starts"
	for company in ("Broken Inc", "Skip Ltd"):
		assert not frappe.db.exists("Lead", {"company_name": company}), "nothing of a bad row saved"

	imported = list(result.ok.values())
	leads = {
		r.name: r
		for r in frappe.get_all(
			"Lead",
			filters={"name": ["in", imported]},
			fields=["name", "naming_series", "status", "import_pending", "_assign", "owner", "phone_e164"],
		)
	}
	year = frappe.utils.nowdate()[:4]
	assert all(n.startswith(f"CRM-LEAD-{year}-") for n in leads), "named by the Lead's series"
	assert all(r.import_pending and r.status == "New" and not r._assign for r in leads.values())
	assert {r.owner for r in leads.values()} == {world.manager}
	assert leads[result.ok[7]].phone_e164 == phone.replace(" ", ""), "phones normalised as on save"
	for name in imported:  # what an insert leaves besides the lead: its first stage, its Workflow Action
		assert frappe.db.exists(
			"Stage History", {"reference_doctype": "Lead", "reference_name": name, "stage": "New"}
		)
		(action,) = frappe.get_all(
			"Workflow Action",
			filters={"reference_doctype": "Lead", "reference_name": name},
			fields=["name", "workflow_state", "status"],
		)
		assert (action.workflow_state, action.status) == ("New", "Open")
		roles = set(frappe.get_all("Workflow Action Permitted Role", {"parent": action.name}, pluck="role"))
		assert roles == {"Sales User", "Sales Manager", "CRM Manager"}, (
			"as Frappe's (Convert needs a customer)"
		)

	assert import_pass.run() >= 4
	done = {
		r.name: r
		for r in frappe.get_all(
			"Lead",
			filters={"name": ["in", imported]},
			fields=["name", "import_pending", "is_duplicate", "score_updated_on", "lead_score", "_assign"],
		)
	}
	assert {r.name for r in done.values() if r.is_duplicate} == {result.ok[3], result.ok[8]}
	assert frappe.get_all(
		"Lead Duplicate", filters={"parent": result.ok[3]}, fields=["reference_doctype", "reference_name"]
	) == [{"reference_doctype": "Lead", "reference_name": world.existing.name}]
	assert frappe.get_all(
		"Lead Duplicate", filters={"parent": result.ok[8]}, fields=["reference_name", "matched_on"]
	) == [{"reference_name": result.ok[7], "matched_on": "Phone"}], "the earlier row, not the later"
	rule_users = set(
		frappe.get_all("Assignment Rule User", filters={"parent": "Lead Round Robin"}, pluck="user")
	)
	for lead in done.values():
		assert lead.import_pending == 0 and lead.score_updated_on and lead.lead_score > 0
		(assignee,) = json.loads(lead._assign)
		assert assignee in rule_users
		assert frappe.db.exists(
			"ToDo", {"reference_type": "Lead", "reference_name": lead.name, "allocated_to": assignee}
		)
		# the timeline's "assigned" entry, as Frappe's assignment writes it
		(comment,) = frappe.get_all(
			"Comment",
			filters={"reference_doctype": "Lead", "reference_name": lead.name, "comment_type": "Assigned"},
			pluck="content",
		)
		assert frappe.utils.get_fullname(assignee) in comment


def test_bulk_skip_leaves_out_repeats_of_leads_and_of_earlier_rows(world):
	frappe.db.set_single_value("CRM Settings", "import_duplicates", "Skip")
	frappe.db.commit()
	fresh = f"{unique()}@example.com"
	rows = [
		["Again", unique(), world.existing.email_id, "Repeat Ltd", "Referral", "", ""],  # 2
		["Fresh", unique(), fresh, "Fresh Ltd", "Website", "", ""],  # 3
		["Twice", unique(), fresh.upper(), "Twice Ltd", "Website", "", ""],  # 4: repeats row 3
	]
	result = start(world, make_import(world, rows))
	assert list(result.ok) == [3] and sorted(result.failed) == [2, 4]
	assert world.existing.name in result.failed[2]
	assert "row 3" in result.failed[4]
	assert not frappe.db.exists("Lead", {"company_name": ["in", ["Repeat Ltd", "Twice Ltd"]]})


@contextmanager
def lead_webhook(condition: str | None = None, timeout: int = 0):
	"""An integration subscribed to Lead `after_insert`: a Frappe Webhook (made by Administrator, as a
	System Manager sets it up) posting JSON to an HTTP server on loopback; `bodies` are the requests it
	received. The webhook and its request logs are deleted afterwards."""
	bodies: list[dict] = []

	class Consumer(BaseHTTPRequestHandler):
		def do_POST(self):
			bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
			self.send_response(200)
			self.end_headers()
			self.wfile.write(b"ok")

		def log_message(self, *args):
			pass

	with HttpServer(Consumer) as server:
		webhook = frappe.get_doc(
			{
				"doctype": "Webhook",
				"__newname": unique("Lead created "),
				"webhook_doctype": "Lead",
				"webhook_docevent": "after_insert",
				"condition": condition,
				"timeout": timeout,
				"request_url": f"{server.url}/leads",
				"request_method": "POST",
				"request_structure": "JSON",
				"webhook_json": '{"name": "{{ doc.name }}", "email": "{{ doc.email_id }}", "source": "{{ doc.source }}"}',
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		try:
			yield frappe._dict(name=webhook.name, bodies=bodies)
		finally:
			frappe.db.rollback()
			frappe.set_user("Administrator")
			frappe.db.delete("Webhook Request Log", {"webhook": webhook.name})
			delete_for_good("Webhook", webhook.name)
			frappe.db.commit()
			frappe.cache.delete_value("webhooks")


def version_data(lead: str) -> list[dict]:
	return [
		json.loads(data)
		for data in frappe.get_all("Version", filters={"ref_doctype": "Lead", "docname": lead}, pluck="data")
	]


def test_bulk_imported_leads_leave_what_frappes_importer_leaves(world):
	"""A lead saved by Frappe's importer gets a Version "created via Data Import" and, for a user who
	follows the documents they create, a Document Follow; a bulk-imported lead gets the same, with the
	same Version data."""
	frappe.db.set_value("User", world.manager, {"follow_created_documents": 1, "document_follow_notify": 1})
	frappe.db.commit()
	row = ["Frappe", unique(), f"{unique()}@example.com", "Row By Row", "Website"]
	(frappes,) = test_lead_import.run_import(world, [row]).ok.values()
	frappes_import = world.imports[-1]
	bulk = start(
		world, make_import(world, [["Bulk", unique(), f"{unique()}@example.com", "Bulk", "", "", ""]])
	)
	(ours,) = bulk.ok.values()
	ours_import = world.imports[-1]

	(theirs_data,) = version_data(frappes)
	(ours_data,) = version_data(ours)
	assert set(ours_data) == set(theirs_data) == {"creation", "updater_reference", "created_by"}
	for lead, data, data_import in ((frappes, theirs_data, frappes_import), (ours, ours_data, ours_import)):
		assert data["updater_reference"] == {
			"doctype": "Data Import",
			"docname": data_import,
			"label": "via Data Import",
		}
		assert data["created_by"] == world.manager
		assert data["creation"] == str(frappe.db.get_value("Lead", lead, "creation"))
		assert frappe.db.exists(
			"Document Follow", {"ref_doctype": "Lead", "ref_docname": lead, "user": world.manager}
		)


def test_bulk_imported_leads_reach_the_after_insert_webhooks_that_match(world):
	"""Frappe's importer sends no webhook (its run_webhooks skips imports); the bulk path sends each lead
	meeting the webhook's condition to it once, with Frappe's request body and request log."""
	from frappe.integrations.doctype.webhook.webhook import get_webhook_data

	with lead_webhook('doc.source == "Website"') as hook, lead_webhook("not doc.import_pending") as quiet:
		rows = [
			["Web", unique(), f"{unique()}@example.com", "", "Website", "", ""],  # 2
			["Ref", unique(), f"{unique()}@example.com", "", "Referral", "", ""],  # 3: not sent
			["Web", unique(), f"{unique()}@example.com", "", "Website", "", ""],  # 4
		]
		result = start(world, make_import(world, rows))
		assert result.status == "Success"
		assert sorted(b["name"] for b in hook.bodies) == sorted([result.ok[2], result.ok[4]]), "once each"
		webhook = frappe.get_doc("Webhook", hook.name)
		for body in hook.bodies:
			assert body == get_webhook_data(frappe.get_doc("Lead", body["name"]), webhook)
			assert body["source"] == "Website"
		logs = frappe.get_all(
			"Webhook Request Log", filters={"webhook": hook.name}, fields=["reference_document", "user"]
		)
		assert sorted(log.reference_document for log in logs) == sorted([result.ok[2], result.ok[4]])
		assert {log.user for log in logs} == {world.manager}
		assert quiet.bodies == [], "a webhook may leave imports out (docs/import.md)"


def test_outside_tests_the_chunks_webhook_job_is_queued_and_a_worker_sends_it(world):
	"""As on a live site: the job is queued on the webhook's queue (`default`) after the chunk's commit,
	and a real RQ worker (`bench worker --burst`) sends each lead, as the importing user."""
	from frappe.utils.background_jobs import get_job

	rows = [["Queued", unique(), f"{unique()}@example.com", "", "Website", "", ""] for _ in range(3)]
	data_import = make_import(world, rows)
	with lead_webhook() as hook:
		frappe.set_user(world.manager)
		frappe.flags.in_test = False  # as the import's background job runs: jobs are queued
		try:
			status = bulk_import.run(frappe.get_doc("Data Import", data_import.name))
		finally:
			frappe.flags.in_test = True
			frappe.set_user("Administrator")
			if job := get_job(import_pass.JOB_ID):  # the pass it queued: run by the tests themselves
				job.delete()
		assert status == "Success"
		assert hook.bodies == [], "queued, not sent in the import's job"
		worker = start_command("worker", "--queue", "default", "--burst")
		assert worker.wait(timeout=240) == 0
		imported = list(results(data_import.name).ok.values())
		assert sorted(b["name"] for b in hook.bodies) == sorted(imported)
		frappe.db.rollback()
		logs = frappe.get_all("Webhook Request Log", filters={"webhook": hook.name}, pluck="user")
		assert logs == [world.manager] * 3


def test_the_webhook_job_has_time_for_every_try_of_its_webhooks_timeout(world):
	"""A Webhook with a 30 s request timeout and a down endpoint: Frappe's enqueue_webhook takes 3 x 30 s
	and its 1 + 4 + 7 s sleeps per lead; the job queued for a chunk of 4 leads (30 s a lead before) must not
	be killed before its last lead is sent."""
	from frappe.utils.background_jobs import get_job

	leads = [frappe._dict(name=unique("CRM-LEAD-T-")) for _ in range(4)]
	with lead_webhook(timeout=30) as hook:
		frappe.set_user(world.manager)
		frappe.flags.in_test = False  # queued as on a live site, not run
		try:
			bulk_import.queue_webhooks("timeout-chunk", leads)
		finally:
			frappe.flags.in_test = True
			frappe.set_user("Administrator")
		job = get_job(f"crm_lead_webhooks::{hook.name}::timeout-chunk")
		try:
			assert job.timeout >= 4 * (3 * 30 + 12), job.timeout
		finally:
			job.delete()


def test_a_rerun_after_a_chunk_died_neither_loses_nor_doubles_rows(world):
	"""A worker killed mid-chunk loses the chunk's transaction (MariaDB rolls back what was not committed);
	one killed after the commit, before the import log was written, leaves the chunk's leads and record.
	The rerun (*Start Import* again) skips what went in, logs it, and imports the rest, once: each lead
	one Version and one webhook request. The pass killed before its commit, then run again, notifies each
	assignee once."""
	rows = [[f"R{i}", unique(), f"{unique()}@example.com", f"Rerun {i}", "Website", "", ""] for i in range(7)]
	data_import = make_import(world, rows)
	with lead_webhook() as hook:
		frappe.set_user(world.manager)
		payloads = (
			frappe.get_doc("Data Import", data_import.name)
			.get_importer()
			.import_file.get_payloads_for_import()
		)
		frappe.flags.in_import = frappe.flags.crm_bulk_import = True
		try:
			bulk_import.import_chunk(data_import.name, payloads[:2], 0)  # chunk 1: leads, record, logs
			good = [(bulk_import.build_lead(p.doc), bulk_import._rows(p)) for p in payloads[2:4]]
			bulk_import.write_chunk(data_import.name, good)
			frappe.db.commit()  # chunk 2 committed; killed before its webhooks and its log
			good = [(bulk_import.build_lead(p.doc), bulk_import._rows(p)) for p in payloads[4:6]]
			bulk_import.write_chunk(data_import.name, good)
			lost = [lead.name for lead, _r in good]
			bulk_import.write_logs(data_import.name, [{"success": 1, "docname": "x", "row_indexes": [6]}], 9)
			frappe.db.rollback()  # chunk 3 killed before its commit (its log row, MyISAM, stays behind)
		finally:
			frappe.flags.in_import = frappe.flags.crm_bulk_import = False
		assert frappe.db.count("Lead", {"company_name": ["like", "Rerun %"], "owner": world.manager}) == 4
		assert len(hook.bodies) == 2, "chunk 1's leads"

		status = bulk_import.run(frappe.get_doc("Data Import", data_import.name), chunk=2)  # the rerun
		assert status == "Success"
		frappe.set_user("Administrator")
		result = results(data_import.name)
		assert sorted(result.ok) == list(range(2, 9)) and not result.failed
		assert len(result.logs) == 7, "one log per row"
		imported = frappe.get_all(
			"Lead", filters={"company_name": ["like", "Rerun %"], "owner": world.manager}, pluck="name"
		)
		assert sorted(imported) == sorted(result.ok.values()), "every row once, each log naming its lead"
		assert (
			frappe.db.get_value("Data Import Log", {"data_import": data_import.name, "docname": "x"}) is None
		)
		assert sorted(b["name"] for b in hook.bodies) == sorted(imported), "each lead sent once"
		assert all(len(version_data(lead)) == 1 for lead in imported), "one Version each"
		assert not frappe.db.exists("Version", {"ref_doctype": "Lead", "docname": ["in", lost]})

	frappe.db.set_value("User", world.seller, "language", "it")  # notified in their language
	frappe.db.commit()
	frappe.set_user(world.manager)  # the pass runs as the user whose import queued it
	import_pass.process_chunk()
	frappe.db.rollback()  # the pass killed before its chunk's commit
	import_pass.run()
	frappe.set_user("Administrator")
	assignees = Counter(json.loads(frappe.db.get_value("Lead", lead, "_assign"))[0] for lead in imported)
	notified = frappe.get_all(
		"Notification Log",
		filters={"from_user": world.manager, "type": "Assignment", "document_type": "Lead"},
		fields=["for_user", "subject", "link"],
	)
	enabled = [u for u in assignees if frappe.db.get_value("User", u, "enabled")]
	assert sorted(n.for_user for n in notified) == sorted(enabled), "one per assignee, not per lead"
	wording = {"it": "ti ha assegnato lead importati", "bs": "vam je dodijelio uvezene potencijalne kupce"}
	for note in notified:  # in the assignee's language (the round robin may hold other tests' users)
		language = frappe.db.get_value("User", note.for_user, "language")
		expected = wording.get(language, "assigned you imported leads")
		assert note.subject.endswith(f"{expected}: {assignees[note.for_user]}"), (language, note.subject)
		assert "/app/todo?" in note.link and "reference_type=Lead" in note.link


def test_only_the_importing_roles_may_run_a_bulk_import(world):
	data_import = make_import(world, [["Sneaky", unique(), f"{unique()}@example.com", "Sneak", "", "", ""]])
	from frappe.core.doctype.data_import.data_import import form_start_import

	for user in (make_user("Sales User").name, make_user("Support Manager").name, "Guest"):
		frappe.set_user(user)
		with pytest.raises(frappe.PermissionError):
			form_start_import(data_import.name)
		with pytest.raises(frappe.PermissionError):
			bulk_import.run(frappe.get_doc("Data Import", data_import.name))
	frappe.set_user("Administrator")
	assert not frappe.db.exists("Lead", {"company_name": "Sneak"})
	assert not frappe.db.count("Data Import Log", {"data_import": data_import.name})


def test_bulk_insert_is_for_new_leads_only(world):
	frappe.set_user(world.manager)
	with pytest.raises(frappe.ValidationError, match="new Leads only"):
		frappe.get_doc(
			{
				"doctype": "Data Import",
				"reference_doctype": "Lead",
				"import_type": "Update Existing Records",
				"crm_bulk_insert": 1,
			}
		).insert()


def test_the_bulk_parse_gives_what_frappes_importer_gives(world):
	"""payloads_of (defaults computed once) against ImportFile.get_payloads_for_import (a document each)."""
	rows = [
		["Ada", unique(), f"{unique()}@example.com", "Engines", "Website", "+44 20 7946 0958", "New"],
		["", "", "", "Only Org", "", "", ""],
		["Bo", "", "bo@example.com", "", "Referral", "", ""],
	]
	data_import = make_import(world, rows)
	frappe.set_user(world.manager)
	import_file = frappe.get_doc("Data Import", data_import.name).get_importer().import_file
	ours = bulk_import.payloads_of(import_file)
	frappes = import_file.get_payloads_for_import()
	assert [p.doc for p in ours] == [p.doc for p in frappes]
	assert [bulk_import._rows(p) for p in ours] == [bulk_import._rows(p) for p in frappes] == [[2], [3], [4]]
	assert frappe.get_doc("Data Import", data_import.name).payload_count == 3


def test_the_pass_applies_the_new_lead_plan_after_the_assignment(world):
	"""A saved lead gets the plan set to "Apply When a Lead Becomes New" after its assignment; an imported
	one gets it from the pass, with the step for the record owner given to its round-robin user."""
	plan = frappe.get_doc(
		{
			"doctype": "Activity Plan",
			"plan_name": unique("Plan "),
			"applies_to": "Lead",
			"apply_on_lead_status": "New",
			"steps": [{"activity_type": "Call", "subject": "Welcome call", "due_after_days": 1}],
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	imported = []
	try:
		result = start(
			world, make_import(world, [["Plan", unique(), f"{unique()}@example.com", "", "", "", ""]])
		)
		imported = list(result.ok.values())
		assert not frappe.db.exists("CRM Activity", {"reference_name": ["in", imported]}), (
			"not before the pass"
		)
		import_pass.run()
		(lead,) = imported
		(assignee,) = json.loads(frappe.db.get_value("Lead", lead, "_assign"))
		activities = frappe.get_all(
			"CRM Activity",
			filters={"reference_doctype": "Lead", "reference_name": lead, "activity_plan": plan.name},
			fields=["subject", "assigned_to"],
		)
		assert activities == [{"subject": "Welcome call", "assigned_to": assignee}]
		import_pass.apply_new_lead_plan([lead])
		assert frappe.db.count("CRM Activity", {"reference_name": lead}) == 1, "once"
	finally:
		frappe.db.rollback()
		frappe.db.delete("CRM Activity", {"activity_plan": plan.name})
		delete_for_good("Activity Plan", plan.name)
		frappe.db.commit()
