"""No-code administration, proven: what an admin does in the desk (Customize Form, Workflow, Server Script,
Notification) takes effect everywhere without a line of code."""

import frappe
import pytest
from frappe.model.workflow import WorkflowTransitionError, apply_workflow, get_transitions

from crm_suite.api.openapi import build_openapi
from tests.integration.factories import make_lead, make_ticket, make_user, unique


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
		{"label": label, "fieldtype": "Select", "options": "\nSmall\nLarge", "is_custom_field": 1,
			"in_list_view": 0, "in_standard_filter": 1},
	)
	form.save_customization()  # ALTER TABLE: MariaDB commits here
	name = frappe.db.get_value("Custom Field", {"dt": "Lead", "label": label})
	assert name, "Customize Form did not create a Custom Field"
	field = frappe.get_doc("Custom Field", name)
	frappe.db.commit()
	yield field
	frappe.db.rollback()
	frappe.delete_doc("Custom Field", field.name, force=True, ignore_permissions=True)
	if frappe.db.has_column("Lead", field.fieldname):
		frappe.db.sql_ddl(f"alter table `tabLead` drop column `{field.fieldname}`")
	frappe.clear_cache(doctype="Lead")
	frappe.db.commit()


def test_customize_form_field_shows_in_meta_form_rest_openapi_and_report(custom_lead_field, api_as, committed):
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
		"/api/resource/Lead", params={"fields": f'["name","{fieldname}"]', "filters": f'{{"{fieldname}": "Large"}}'}
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

	# reports: the Report Builder's column picker offers every valued field of the meta, and the report
	# view query returns the column
	from frappe.desk.reportview import get as reportview_get

	frappe.local.form_dict = frappe._dict(
		doctype="Lead", fields=["`tabLead`.`name`", f"`tabLead`.`{fieldname}`"],
		filters=[["Lead", "name", "=", lead["name"]]], view="Report",
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
	assert "Opportunity Item" not in [p.split("/")[3] for p in spec["paths"] if p.startswith("/api/resource/")]
	assert spec["components"]["schemas"]["OpportunityInput"]["properties"]["items"]["items"] == {
		"$ref": "#/components/schemas/OpportunityItemInput"
	}


def test_openapi_is_for_signed_in_desk_users_only(guest_api, api_as):
	assert guest_api.get("/api/method/crm_suite.api.openapi.get_openapi").status_code == 403
	assert api_as("Sales User").get("/api/method/crm_suite.api.openapi.get_openapi").status_code == 200


# ------------------------------------------------------------------ Workflow
def lead_workflow():
	name = frappe.db.get_value("Workflow", {"document_type": "Lead", "is_active": 1})
	if name:
		return frappe.get_doc("Workflow", name)
	# The sales funnel ships a Lead Workflow; on a site without it the test brings its own.
	for state in ("New", "Contacted", "Unqualified"):
		if not frappe.db.exists("Workflow State", state):
			frappe.get_doc({"doctype": "Workflow State", "workflow_state_name": state}).insert()
	for action in ("Contact", "Disqualify"):
		if not frappe.db.exists("Workflow Action Master", action):
			frappe.get_doc({"doctype": "Workflow Action Master", "workflow_action_name": action}).insert()
	return frappe.get_doc(
		{
			"doctype": "Workflow", "workflow_name": "Lead Workflow", "document_type": "Lead", "is_active": 1,
			"workflow_state_field": "status", "send_email_alert": 0,
			"states": [{"state": s, "doc_status": "0", "allow_edit": "Sales User"} for s in ("New", "Contacted", "Unqualified")],
			"transitions": [
				{"state": "New", "action": "Contact", "next_state": "Contacted", "allowed": "Sales User"},
				{"state": "New", "action": "Disqualify", "next_state": "Unqualified", "allowed": "Sales User"},
			],
		}
	).insert()


@pytest.fixture
def clean_workflow_cache():
	yield
	frappe.db.rollback()
	frappe.cache.delete_value("workflow")
	for name in frappe.get_all("Workflow", {"document_type": "Lead"}, pluck="name"):
		frappe.clear_document_cache("Workflow", name)
	frappe.clear_cache(doctype="Lead")


def test_admin_edit_of_the_lead_workflow_changes_allowed_transitions(clean_workflow_cache):
	workflow = lead_workflow()
	state_field = workflow.workflow_state_field
	first_state = workflow.states[0].state
	user = make_user("Sales User")
	lead = make_lead()
	assert lead.get(state_field) == first_state

	frappe.set_user(user.name)
	before = {t.action for t in get_transitions(lead)}
	assert "Disqualify" in before

	# the admin takes "Disqualify" away from the first state, for every role, and saves the workflow
	frappe.set_user("Administrator")
	kept = [t for t in workflow.transitions if not (t.state == first_state and t.action == "Disqualify")]
	assert len(kept) < len(workflow.transitions)
	workflow.set("transitions", kept)
	workflow.save()

	frappe.set_user(user.name)
	lead = frappe.get_doc("Lead", lead.name)
	after = {t.action for t in get_transitions(lead)}
	assert "Disqualify" not in after and after == before - {"Disqualify"}
	with pytest.raises(WorkflowTransitionError):
		apply_workflow(lead, "Disqualify")
	assert frappe.db.get_value("Lead", lead.name, state_field) == first_state


# ------------------------------------------------------------------ Server Script from the scheduler
def test_scheduler_server_script_runs_from_the_scheduler(committed):
	from frappe.core.doctype.scheduled_job_type.scheduled_job_type import run_scheduled_job
	from frappe.utils.safe_exec import is_safe_exec_enabled

	assert is_safe_exec_enabled(), "run `bench set-config -g server_script_enabled 1` (see docs/platform.md)"
	marker = unique("nightly lead sweep ")
	script = committed(
		frappe.get_doc(
			{
				"doctype": "Server Script", "name": unique("CRM Nightly "), "script_type": "Scheduler Event",
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
	tomorrow = frappe.utils.add_days(frappe.utils.now_datetime(), 1)
	assert not job.is_event_due() and job.is_event_due(tomorrow), "due at the next midnight tick"
	frappe.db.commit()

	run_scheduled_job(job.method)  # what the scheduler's worker runs for a due job

	todo = frappe.db.get_value("ToDo", {"description": ["like", f"{marker}: %"]}, ["name", "description"], as_dict=True)
	assert todo, "the server script did not run"
	committed(frappe.get_doc("ToDo", todo.name))
	assert int(todo.description.rsplit(": ", 1)[1]) == frappe.db.count("Lead", {"status": "New"})
	assert frappe.db.get_value("Scheduled Job Type", job.name, "last_execution")


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
		frappe.get_doc(
			{
				"doctype": "Email Account", "email_account_name": unique("CRM Outgoing "),
				"email_id": f"{unique('crm-')}@example.com", "enable_outgoing": 1, "default_outgoing": 1,
				"smtp_server": "smtp.example.invalid", "no_smtp_authentication": 1, "awaiting_password": 0,
			}
		).insert(ignore_permissions=True)
	)
	for cache in ("outgoing_email_account", "_outgoing_email_account"):
		if hasattr(frappe.local, cache):
			delattr(frappe.local, cache)
	yield account
	for cache in ("outgoing_email_account", "_outgoing_email_account"):
		if hasattr(frappe.local, cache):
			delattr(frappe.local, cache)


def test_notification_on_a_condition_sends_an_email(clean_notification_cache, outgoing_email_account, committed):
	subject = unique("Urgent ticket ")
	notification = frappe.get_doc(
		{
			"doctype": "Notification", "name": subject, "subject": f"{subject} {{{{ doc.name }}}}",
			"document_type": "Ticket", "event": "New", "channel": "Email", "enabled": 1,
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
		filters={"reference_doctype": "Ticket", "reference_name": ["in", [urgent.name, calm.name]],
			"message": ["like", f"%{subject}%"]},  # other notifications on tickets may send mail too
		fields=["name", "reference_name", "message"],
	)
	assert [q.reference_name for q in queued] == [urgent.name]
	recipients = frappe.get_all("Email Queue Recipient", {"parent": queued[0].name}, pluck="recipient")
	assert recipients == [urgent.raised_by]
	assert f"{subject} {urgent.name}" in queued[0].message
	frappe.db.rollback()
	for doctype, field in (("Email Queue", "reference_name"), ("Notification Log", "document_name"), ("ToDo", "reference_name")):
		frappe.db.delete(doctype, {field: ["in", [urgent.name, calm.name]]})
	frappe.db.delete("Email Queue", {"sender": ["like", f"%{outgoing_email_account.email_id}%"]})
	frappe.db.commit()
