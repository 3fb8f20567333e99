"""No-code administration, proven: what an admin does in the desk (Customize Form, Workflow, Server Script,
Notification) takes effect everywhere without a line of code."""

import json
import subprocess
import sys
from pathlib import Path

import frappe
import pytest

from crm_suite.api.openapi import build_openapi
from crm_suite.api.schema import has_value
from tests.integration.factories import (
	delete_for_good,
	make_lead,
	make_outgoing_account,
	make_ticket,
	make_user,
	unique,
)
from tests.integration.service.conftest import clear_email_account_cache


# ------------------------------------------------------------------ Customize Form
@pytest.fixture
def custom_lead_field(committed):
	"""Add a field to Lead the way an admin does in Customize Form; drop it (and its column) afterwards."""
	label = f"Budget Band {unique()}"
	form = frappe.get_doc("Customize Form")
	form.doc_type = "Lead"
	form.fetch_to_customize()
	form.append(
		"fields",
		{
			"label": label,
			"fieldtype": "Select",
			"options": "\nSmall\nLarge",
			"is_custom_field": 1,
			"in_list_view": 0,
			"in_standard_filter": 1,
		},
	)
	form.save_customization()  # ALTER TABLE: MariaDB commits here
	name = frappe.db.get_value("Custom Field", {"dt": "Lead", "label": label})
	assert name, "Customize Form did not create a Custom Field"
	field = frappe.get_doc("Custom Field", name)
	frappe.db.commit()
	yield field
	frappe.db.rollback()
	delete_for_good("Custom Field", field.name)
	if frappe.db.has_column("Lead", field.fieldname):
		frappe.db.sql_ddl(f"alter table `tabLead` drop column `{field.fieldname}`")
	frappe.clear_cache(doctype="Lead")
	frappe.db.commit()


def test_customize_form_field_shows_in_meta_form_rest_openapi_and_report(
	custom_lead_field, api_as, committed
):
	fieldname = custom_lead_field.fieldname
	assert fieldname.startswith("custom_")

	# the form: the desk loads the doctype (with custom fields) through getdoctype
	assert frappe.get_meta("Lead").get_field(fieldname).fieldtype == "Select"
	from frappe.desk.form.load import getdoctype

	frappe.response.docs = []
	getdoctype("Lead")
	lead_meta = next(d for d in frappe.response.docs if d.name == "Lead")
	assert fieldname in [f.fieldname for f in lead_meta.fields]

	# REST: write and read it back as a Sales User
	api = api_as("Sales User")
	response = api.post(
		"/api/resource/Lead", json={"first_name": "Custom", "last_name": unique(), fieldname: "Large"}
	)
	assert response.status_code == 200, response.text
	lead = response.json()["data"]
	committed(frappe.get_doc("Lead", lead["name"]))
	assert lead[fieldname] == "Large"
	listed = api.get(
		"/api/resource/Lead",
		params={"fields": f'["name","{fieldname}"]', "filters": f'{{"{fieldname}": "Large"}}'},
	)
	assert listed.status_code == 200, listed.text
	assert {"name": lead["name"], fieldname: "Large"} in listed.json()["data"]
	# an invalid option is refused by Frappe's own validation, over REST too
	bad = api.post("/api/resource/Lead", json={"first_name": "Custom", fieldname: "Huge"})
	assert bad.status_code == 417 and "Huge" in bad.text

	# the OpenAPI document, live from the server
	spec = api.get("/api/method/crm_suite.api.openapi.get_openapi").json()
	prop = spec["components"]["schemas"]["Lead"]["properties"][fieldname]
	assert prop["enum"] == ["", "Small", "Large", None] and prop["title"] == custom_lead_field.label
	assert fieldname in spec["components"]["schemas"]["LeadInput"]["properties"]

	# reports: the Report Builder's column picker (report_view.js get_columns_for_picker) offers the fields
	# of the meta the desk loaded whose type holds a value; the report view query then returns the column
	from frappe.desk.reportview import get as reportview_get
	from frappe.model import no_value_fields

	picker = [f.fieldname for f in lead_meta.fields if f.fieldtype not in no_value_fields]
	assert fieldname in picker

	frappe.local.form_dict = frappe._dict(
		doctype="Lead",
		fields=["`tabLead`.`name`", f"`tabLead`.`{fieldname}`"],
		filters=[["Lead", "name", "=", lead["name"]]],
		view="Report",
	)
	result = reportview_get()
	assert fieldname in result["keys"] and result["values"] == [[lead["name"], "Large"]]


def test_openapi_document_covers_app_doctypes_and_methods():
	spec = build_openapi("http://example.invalid")
	assert spec["openapi"].startswith("3.")
	assert "x-import-errors" not in spec, spec.get("x-import-errors")
	for doctype in ("Lead", "Opportunity", "Customer", "Ticket", "Campaign"):
		assert f"/api/resource/{doctype}" in spec["paths"]
		assert f"/api/resource/{doctype}/{{name}}" in spec["paths"]
	assert "/api/method/crm_suite.api.openapi.get_openapi" in spec["paths"]
	lead = spec["components"]["schemas"]["LeadInput"]
	assert lead["additionalProperties"] is False
	assert lead["properties"]["email_id"]["format"] == "email"
	assert "Opportunity Item" not in [
		p.split("/")[3] for p in spec["paths"] if p.startswith("/api/resource/")
	]
	assert spec["components"]["schemas"]["OpportunityInput"]["properties"]["items"]["items"] == {
		"$ref": "#/components/schemas/OpportunityItemInput"
	}


def test_openapi_document_covers_singles_and_document_methods():
	spec = build_openapi("http://example.invalid")
	singles = frappe.get_all(
		"DocType", {"module": ["in", frappe.get_module_list("crm_suite")], "issingle": 1}, pluck="name"
	)
	assert {"CRM Settings", "Support Settings"} <= set(singles)
	for single in singles:
		ref = "".join(ch for ch in single.title() if ch.isalnum())
		assert set(spec["paths"][f"/api/resource/{single}/{single}"]) == {"get", "put"}
		assert f"/api/resource/{single}" not in spec["paths"]
		fields = {df.fieldname for df in frappe.get_meta(single).fields if has_value(df)}
		assert fields <= set(spec["components"]["schemas"][f"{ref}Update"]["properties"])

	# every whitelisted method the app defines on a controller, found at run time
	variants = spec["paths"]["/api/method/run_doc_method"]["post"]["requestBody"]["content"][
		"application/json"
	]["schema"]["oneOf"]
	titles = {v["title"] for v in variants}
	assert "Segment.refresh_count" in titles
	from frappe.model.base_document import get_controller

	for variant in variants:
		doctype, method = variant["title"].split(".")
		assert variant["properties"]["dt"] == {"const": doctype}
		assert variant["properties"]["method"] == {"const": method}
		fn = getattr(get_controller(doctype), method)
		assert fn in frappe.whitelisted and fn.__module__.startswith("crm_suite.")
	assert not any(t.split(".")[1] in ("submit", "cancel", "add_comment") for t in titles)  # Frappe's own


def test_openapi_is_for_signed_in_desk_users_only(guest_api, api_as):
	assert guest_api.get("/api/method/crm_suite.api.openapi.get_openapi").status_code == 403
	assert api_as("Sales User").get("/api/method/crm_suite.api.openapi.get_openapi").status_code == 200


# ------------------------------------------------------------------ Workflow
SHIPPED_WORKFLOW = "Lead Workflow"
TRANSITION_FIELDS = ("state", "action", "next_state", "allowed", "allow_self_approval", "condition")


def transitions_of(rows) -> list[tuple]:
	return [tuple(row.get(f) or None for f in TRANSITION_FIELDS) for row in rows]


def clear_workflow_caches() -> None:
	frappe.cache.delete_value("workflow")
	frappe.clear_document_cache("Workflow", SHIPPED_WORKFLOW)
	frappe.clear_cache(doctype="Lead")


@pytest.fixture
def shipped_lead_workflow():
	"""The Lead Workflow the app ships (crm_suite/fixtures/workflow.json), as installed on the site: the
	test fails when it is missing. What the test changes is put back through the Workflow doc afterwards."""
	fixture = Path(frappe.get_app_path("crm_suite", "fixtures", "workflow.json"))
	shipped = next((w for w in json.loads(fixture.read_text()) if w["name"] == SHIPPED_WORKFLOW), None)
	assert shipped, f"{fixture} does not ship the {SHIPPED_WORKFLOW}"
	assert frappe.db.exists("Workflow", SHIPPED_WORKFLOW), (
		f"the shipped {SHIPPED_WORKFLOW} is not installed (bench migrate)"
	)
	workflow = frappe.get_doc("Workflow", SHIPPED_WORKFLOW)
	assert workflow.document_type == "Lead" and workflow.is_active
	original = [{f: t.get(f) for f in TRANSITION_FIELDS} for t in workflow.transitions]
	assert sorted(transitions_of(original)) == sorted(transitions_of(shipped["transitions"])), (
		"the site's Lead Workflow differs from the shipped fixture (bench migrate)"
	)
	yield workflow
	frappe.db.rollback()
	frappe.set_user("Administrator")
	workflow = frappe.get_doc("Workflow", SHIPPED_WORKFLOW)
	workflow.set("transitions", original)
	workflow.save()
	frappe.db.commit()
	clear_workflow_caches()
	assert transitions_of(frappe.get_doc("Workflow", SHIPPED_WORKFLOW).transitions) == transitions_of(
		original
	)


def test_admin_edit_of_the_shipped_lead_workflow_changes_allowed_transitions(
	shipped_lead_workflow, api_as, committed
):
	workflow = shipped_lead_workflow
	state_field = workflow.workflow_state_field
	lead = committed(make_lead())
	assert lead.get(state_field) == "New"
	frappe.db.commit()
	sales = api_as("Sales User")

	def actions() -> set[str]:
		response = sales.post(
			"/api/method/frappe.model.workflow.get_transitions",
			json={"doc": {"doctype": "Lead", "name": lead.name}},
		)
		assert response.status_code == 200, response.text
		return {t["action"] for t in response.json()["message"]}

	before = actions()
	assert {"Contact", "Disqualify"} <= before

	# the admin opens the Workflow, deletes the rows "New -> Disqualify" and saves it
	kept = [t for t in workflow.transitions if not (t.state == "New" and t.action == "Disqualify")]
	assert len(kept) < len(workflow.transitions)
	workflow.set("transitions", kept)
	workflow.save()
	frappe.db.commit()

	# at once, for the Sales User on the running site: the action is gone and applying it fails
	assert actions() == before - {"Disqualify"}
	response = sales.post(
		"/api/method/frappe.model.workflow.apply_workflow",
		json={"doc": {"doctype": "Lead", "name": lead.name}, "action": "Disqualify"},
	)
	assert response.status_code == 417 and "WorkflowTransitionError" in response.text
	frappe.db.rollback()
	assert frappe.db.get_value("Lead", lead.name, state_field) == "New"
	# the other transitions of the shipped workflow still apply
	response = sales.post(
		"/api/method/frappe.model.workflow.apply_workflow",
		json={"doc": {"doctype": "Lead", "name": lead.name}, "action": "Contact"},
	)
	assert response.status_code == 200, response.text
	frappe.db.rollback()
	assert frappe.db.get_value("Lead", lead.name, state_field) == "Contacted"


# ------------------------------------------------------------------ Server Script from the scheduler
# What an RQ worker does with a job the scheduler queued, in its own process (the bench has no worker
# running during the tests): take it off the queue and perform it.
PERFORM_QUEUED_JOB = """
import sys
import frappe
from frappe.utils.background_jobs import create_job_id, get_queue, get_redis_conn
from rq.job import Job

frappe.init(site=sys.argv[1])
job_id, queue = create_job_id(sys.argv[2]), sys.argv[3]
job = Job.fetch(job_id, connection=get_redis_conn())
get_queue(queue).remove(job_id)
frappe.destroy()
try:
	job.perform()
finally:
	job.delete()
"""


def test_scheduler_server_script_runs_from_the_scheduler(committed, site):
	from frappe.utils.background_jobs import get_job
	from frappe.utils.safe_exec import is_safe_exec_enabled

	assert is_safe_exec_enabled(), "run `bench set-config -g server_script_enabled 1` (see docs/platform.md)"
	marker = unique("nightly lead sweep ")
	script = committed(
		frappe.get_doc(
			{
				"doctype": "Server Script",
				"name": unique("CRM Nightly "),
				"script_type": "Scheduler Event",
				"event_frequency": "Daily",
				"script": (
					"open_leads = frappe.db.count('Lead', {'status': 'New'})\n"
					f"frappe.get_doc({{'doctype': 'ToDo', 'description': '{marker}: ' + str(open_leads)}})"
					".insert(ignore_permissions=True)\n"
				),
			}
		).insert()
	)
	job = frappe.get_doc("Scheduled Job Type", {"server_script": script.name})
	committed(job)
	assert job.frequency == "Daily" and not job.stopped
	assert not job.is_event_due() and not job.enqueue(), "a new daily job waits for the next midnight"

	# a day later: the scheduler's tick (enqueue_events calls this for every job type) queues it ...
	job.db_set("last_execution", frappe.utils.add_days(frappe.utils.now_datetime(), -2))
	frappe.db.commit()
	assert job.is_event_due()
	assert job.enqueue(), "the scheduler did not queue the due job"
	assert get_job(job.rq_job_id), "no job in the queue"
	# ... and a worker runs it
	worker = subprocess.run(
		[sys.executable, "-c", PERFORM_QUEUED_JOB, site, job.rq_job_id, job.get_queue_name()],
		cwd=frappe.get_site_path(".."),
		capture_output=True,
		text=True,
		timeout=120,
	)
	assert worker.returncode == 0, worker.stderr[-3000:]
	assert get_job(job.rq_job_id) is None, "the job stayed in the queue"

	frappe.db.rollback()
	todo = frappe.db.get_value(
		"ToDo", {"description": ["like", f"{marker}: %"]}, ["name", "description"], as_dict=True
	)
	assert todo, "the server script did not run"
	committed(frappe.get_doc("ToDo", todo.name))
	assert int(todo.description.rsplit(": ", 1)[1]) == frappe.db.count("Lead", {"status": "New"})
	last = frappe.db.get_value("Scheduled Job Type", job.name, "last_execution")
	assert last and last > frappe.utils.add_days(frappe.utils.now_datetime(), -1), "the run was not recorded"
	assert frappe.db.exists("Scheduled Job Log", {"scheduled_job_type": job.name, "status": "Complete"})


# ------------------------------------------------------------------ Notification
@pytest.fixture
def clean_notification_cache():
	yield
	frappe.db.rollback()
	frappe.cache.hdel("notifications", "Ticket")
	frappe.clear_cache(doctype="Ticket")


@pytest.fixture
def outgoing_email_account(committed):
	"""Frappe queues mail only when a default outgoing Email Account exists (the SMTP server is never
	contacted: the queue is what we check). With one, Frappe e-mails assignment alerts at once and that
	send commits, so everything the test makes is cleaned up explicitly."""
	account = committed(
		make_outgoing_account(unique("CRM Outgoing "), f"{unique('crm-')}@example.com", awaiting_password=0)
	)
	clear_email_account_cache()
	yield account
	for cache in ("outgoing_email_account", "_outgoing_email_account"):
		if hasattr(frappe.local, cache):
			delattr(frappe.local, cache)


def test_notification_on_a_condition_sends_an_email(
	clean_notification_cache, outgoing_email_account, committed
):
	subject = unique("Urgent ticket ")
	notification = frappe.get_doc(
		{
			"doctype": "Notification",
			"name": subject,
			"subject": f"{subject} {{{{ doc.name }}}}",
			"document_type": "Ticket",
			"event": "New",
			"channel": "Email",
			"enabled": 1,
			"condition": 'doc.priority == "Urgent"',
			"message": "Ticket {{ doc.subject }} from {{ doc.raised_by }} needs attention.",
			"recipients": [{"receiver_by_document_field": "raised_by"}],
		}
	).insert()
	committed(notification)

	urgent = committed(make_ticket(priority="Urgent", raised_by=f"{unique()}@example.com"))
	calm = committed(make_ticket(priority="Low", raised_by=f"{unique()}@example.com"))

	queued = frappe.get_all(
		"Email Queue",
		filters={
			"reference_doctype": "Ticket",
			"reference_name": ["in", [urgent.name, calm.name]],
			"message": ["like", f"%{subject}%"],
		},  # other notifications on tickets may send mail too
		fields=["name", "reference_name", "message"],
	)
	assert [q.reference_name for q in queued] == [urgent.name]
	recipients = frappe.get_all("Email Queue Recipient", {"parent": queued[0].name}, pluck="recipient")
	assert recipients == [urgent.raised_by]
	assert f"{subject} {urgent.name}" in queued[0].message
	frappe.db.rollback()
	for doctype, field in (
		("Email Queue", "reference_name"),
		("Notification Log", "document_name"),
		("ToDo", "reference_name"),
	):
		frappe.db.delete(doctype, {field: ["in", [urgent.name, calm.name]]})
	frappe.db.delete("Email Queue", {"sender": ["like", f"%{outgoing_email_account.email_id}%"]})
	frappe.db.commit()
