"""Stored duplicate matches stop naming records once readers become limited.

A lead's Matches rows (Lead Duplicate) and its Version history name a matched record only while every
reader of the lead may read it (`duplicates.names_kept`). Rows stored before the site's first User
Permission (or before CRM Settings' own-records option was switched on) named their matches, and every
route that reads the table from the database showed them to a Sales User who may not read the match:
REST with child fields, `frappe.client.get_list`, the report view and its group-by, the export, and the
timeline's change history (the Versions in the form's docinfo). The job queued when names stop being kept
(`crm_suite.sales.match_names`) blanks them. Committed data: the job commits per chunk, REST needs a server.
"""

import csv
import io
import json

import frappe
import pytest
from frappe.utils.background_jobs import get_job

from crm_suite.devserver import give_api_key
from crm_suite.sales import match_names
from tests.integration.conftest import Api
from tests.integration.factories import delete_users, make_customer, make_user, unique
from tests.integration.security.world import limit_to_customer, own_records_only


def drop_queued_job() -> None:
	"""No worker runs in tests: a job queued earlier would keep Frappe's deduplicate from queueing it."""
	if job := get_job(match_names.JOB_ID):
		job.delete()


@pytest.fixture
def world():
	"""Committed: customers A and B (B shares an email with lead L), lead M (Administrator's, same email),
	a Sales User who owns lead L; L's matches and its Version were stored while names were kept."""
	frappe.set_user("Administrator")
	assert not frappe.db.count("User Permission"), "the test site must have no User Permission"
	own_records_before = frappe.db.get_single_value("CRM Settings", "sales_users_see_own_records")
	own_records_only(False)
	drop_queued_job()
	frappe.db.delete("DefaultValue", {"parent": match_names.PARENT})  # no request left by another test
	email = f"{unique('match-')}@example.com"
	a, b = make_customer(), make_customer(email_id=email)
	hidden_lead = frappe.get_doc(
		{"doctype": "Lead", "first_name": "Hidden", "last_name": unique("Surname"), "email_id": email}
	).insert()
	seller = make_user("Sales User")
	lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": "Mine",
			"last_name": unique(),
			"customer": a.name,
			"lead_owner": seller.name,
		}
	).insert()
	lead.email_id = email  # a save that fills the Matches rows, with a Version of the change
	lead.save(ignore_version=False)  # Frappe stores no Version in tests unless asked
	frappe.db.commit()
	w = frappe._dict(a=a, b=b, hidden_lead=hidden_lead, seller=seller, lead=lead, email=email)
	try:
		yield w
	finally:
		frappe.db.rollback()
		frappe.set_user("Administrator")
		drop_queued_job()
		frappe.db.delete("User Permission", {"user": seller.name})
		frappe.db.delete("Version", {"ref_doctype": "Lead", "docname": ["in", [lead.name, hidden_lead.name]]})
		for doctype, name in (("Lead", lead.name), ("Lead", hidden_lead.name), ("Customer", b.name)):
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
		frappe.delete_doc("Customer", a.name, force=True, ignore_permissions=True)
		delete_users([seller.name])
		own_records_only(bool(own_records_before))
		frappe.db.delete("DefaultValue", {"parent": match_names.PARENT})
		frappe.db.commit()


def assert_queued() -> None:
	"""The job is on the long queue (queued after the commit); taken off again: the test runs it."""
	job = get_job(match_names.JOB_ID)
	assert job, "the job is queued"
	assert job.origin.endswith(":long") and job.kwargs["job_name"] == match_names.JOB_METHOD
	drop_queued_job()


def stored(lead: str) -> list[list]:
	rows = frappe.get_all(
		"Lead Duplicate",
		{"parent": lead, "parenttype": "Lead"},
		["reference_doctype", "reference_name", "matched_on", "match_title"],
		order_by="reference_doctype",
		as_list=True,
	)
	return [list(row) for row in rows]


def names_of(*records) -> list[str]:
	out = []
	for doc in records:
		out += [doc.name, doc.get("customer_name") or doc.get("lead_name")]
	return out


def leaked(value, names: list[str]) -> list[str]:
	text = value if isinstance(value, str) else frappe.as_json(value)
	return [n for n in names if n in text]


def routes_as(user: str, lead: str) -> dict:
	"""What `user` reads of `lead`'s matches through every route that reads the stored rows."""
	from frappe.desk.form.load import getdoc
	from frappe.desk.reportview import export_query
	from frappe.desk.reportview import get as reportview_get

	frappe.set_user(user)
	fields = ["name", "duplicates.reference_name", "duplicates.match_title"]
	child = ["`tabLead Duplicate`.reference_name", "`tabLead Duplicate`.match_title"]
	filters = {"name": lead}
	out = {}
	out["frappe.client.get_list"] = frappe.client.get_list("Lead", fields=fields, filters=filters)
	out["frappe.client.get"] = frappe.client.get("Lead", lead)

	frappe.local.form_dict = frappe._dict(
		doctype="Lead", fields=json.dumps(["name", *child]), filters=json.dumps(filters)
	)
	out["report view"] = reportview_get()
	frappe.local.form_dict = frappe._dict(
		doctype="Lead",
		fields=json.dumps(["`tabLead Duplicate`.reference_name"]),
		filters=json.dumps(filters),
		group_by="`tabLead Duplicate`.reference_name",
		aggregate_function="count",
		aggregate_on_doctype="Lead",
		aggregate_on_field="name",
	)
	out["report view group-by"] = reportview_get()
	frappe.local.form_dict = frappe._dict(
		doctype="Lead",
		file_format_type="CSV",
		fields=json.dumps(["name", *child]),
		filters=json.dumps(filters),
	)
	export_query()
	out["export"] = list(csv.reader(io.StringIO(frappe.response.pop("filecontent").decode())))
	frappe.response.pop("type", None)
	frappe.response.pop("filename", None)

	frappe.local.response = frappe._dict(docs=[])  # getdoc starts a new response without one
	getdoc("Lead", lead)
	out["form docs"] = frappe.response.pop("docs")
	out["timeline versions"] = frappe.response.pop("docinfo")["versions"]
	frappe.local.form_dict = frappe._dict()
	frappe.set_user("Administrator")
	return out


def test_the_first_user_permission_blanks_the_match_names_of_every_route(world, server):
	w = world
	hidden = names_of(w.b, w.hidden_lead)
	assert stored(w.lead.name) == [
		["Customer", w.b.name, "Email", w.b.customer_name],
		["Lead", w.hidden_lead.name, "Email", w.hidden_lead.lead_name],
	]
	versions = frappe.get_all("Version", {"ref_doctype": "Lead", "docname": w.lead.name}, pluck="data")
	assert leaked(versions, hidden), "the Version of the save names the matches"

	limit_to_customer(w.seller.name, w.a.name)  # the site's first User Permission
	frappe.db.commit()
	assert_queued()
	match_names.run()  # as the long queue's worker runs it

	assert stored(w.lead.name) == [["Customer", None, "Email", None], ["Lead", None, "Email", None]]
	assert not frappe.has_permission("Customer", "read", doc=w.b.name, user=w.seller.name)
	seen = routes_as(w.seller.name, w.lead.name)
	assert {route: leaked(value, hidden) for route, value in seen.items()} == dict.fromkeys(seen, [])
	assert seen["frappe.client.get"]["is_duplicate"] == 1
	assert [row["matched_on"] for row in seen["frappe.client.get"]["duplicates"]] == ["Email", "Email"]
	assert seen["timeline versions"], "the change history itself is kept"
	assert len(seen["export"]) == 3 and seen["report view group-by"]["values"]

	frappe.set_user(w.seller.name)
	token = give_api_key(frappe.get_doc("User", w.seller.name))
	frappe.set_user("Administrator")
	frappe.db.commit()
	answer = Api(server, token).get(
		"/api/resource/Lead",
		params={
			"fields": json.dumps(["name", "duplicates.reference_name", "duplicates.match_title"]),
			"filters": json.dumps({"name": w.lead.name}),
		},
	)
	assert answer.status_code == 200, answer.text
	assert answer.json()["data"] and not leaked(answer.text, hidden)
	answer = Api(server, token).get(f"/api/resource/Lead/{w.lead.name}")
	assert answer.status_code == 200 and not leaked(answer.text, hidden)


def test_switching_the_own_records_option_on_blanks_the_names_of_matches_on_leads(world):
	w = world
	own_records_only(True)
	frappe.db.commit()
	assert_queued()
	match_names.run()

	# a match on a lead: the Sales User may not read lead M (not theirs); customers keep their names
	assert stored(w.lead.name) == [
		["Customer", w.b.name, "Email", w.b.customer_name],
		["Lead", None, "Email", None],
	]
	assert not frappe.has_permission("Lead", "read", doc=w.hidden_lead.name, user=w.seller.name)
	seen = routes_as(w.seller.name, w.lead.name)
	hidden = names_of(w.hidden_lead)
	assert {route: leaked(value, hidden) for route, value in seen.items()} == dict.fromkeys(seen, [])
	assert leaked(seen["timeline versions"], names_of(w.b)), "matches on customers are still named"
	assert len(seen["export"]) == 3 and seen["report view group-by"]["values"]


def test_a_stopped_job_is_queued_again_by_the_hourly_sweep_and_resumes(world):
	w = world
	method = "crm_suite.sales.match_names.sweep"
	assert method in frappe.get_hooks("scheduler_events")["hourly"]
	match_names.sweep()
	frappe.db.commit()
	assert not get_job(match_names.JOB_ID), "nothing asked for, nothing queued"

	limit_to_customer(w.seller.name, w.a.name)
	frappe.db.commit()
	assert_queued()
	mine = [w.lead.name, w.hidden_lead.name]

	def named() -> int:
		rows = frappe.get_all(
			"Lead Duplicate", {"parent": ["in", mine], "reference_name": ["is", "set"]}, pluck="name"
		)
		return len(rows)

	assert named() == 3
	match_names.run(chunk=1, chunks=1)  # stopped after its first chunk (e.g. by the job's timeout)
	assert named() >= 2
	match_names.sweep()
	frappe.db.commit()
	assert_queued()
	match_names.run()
	assert named() == 0
	versions = frappe.get_all("Version", {"ref_doctype": "Lead", "docname": ["in", mine]}, pluck="data")
	assert versions and not leaked(versions, names_of(w.b, w.hidden_lead))
	match_names.sweep()
	frappe.db.commit()
	assert not get_job(match_names.JOB_ID), "done: the sweep queues nothing"

	# a further User Permission queues nothing: names stopped being kept with the first
	other = make_customer()
	limit_to_customer(w.seller.name, other.name)
	frappe.db.commit()
	assert not get_job(match_names.JOB_ID)
	frappe.delete_doc("Customer", other.name, force=True, ignore_permissions=True)
	frappe.db.commit()


def test_a_versions_changed_match_values_are_blanked_and_other_data_kept():
	data = {
		"changed": [["email_id", None, "a@example.com"]],
		"added": [
			["duplicates", {"reference_doctype": "Lead", "reference_name": "L-1", "match_title": "Ann"}],
			["duplicates", {"reference_doctype": "Customer", "reference_name": "C-1", "match_title": "Co"}],
		],
		"removed": [],
		"row_changed": [
			["duplicates", 0, "row1", [["reference_name", "L-1", "L-2"], ["matched_on", "Email", "Phone"]]]
		],
	}
	scrubbed = json.loads(match_names.scrub_version_data(json.dumps(data), ["Lead"]))
	assert scrubbed["changed"] == data["changed"]
	assert scrubbed["added"] == [
		["duplicates", {"reference_doctype": "Lead", "reference_name": None, "match_title": None}],
		data["added"][1],
	]
	assert scrubbed["row_changed"] == [
		["duplicates", 0, "row1", [["reference_name", None, None], ["matched_on", "Email", "Phone"]]]
	]
	assert match_names.scrub_version_data(json.dumps(scrubbed), ["Lead"]) is None
	assert match_names.scrub_version_data("not json", ["Lead"]) is None


def race(w, site, limit) -> list[list]:
	"""Lead "other" saved with matches (names kept when it reads) in one session, held open while another
	session runs `limit()` (what stops names being kept), commits it and runs the job as a worker would
	at once; then the save commits. Its stored matches."""
	import threading
	import time

	from tests.integration.sessions import in_own_session

	other = frappe.get_doc(
		{"doctype": "Lead", "first_name": "Racing", "last_name": unique(), "lead_owner": w.seller.name}
	).insert()
	frappe.db.commit()
	saved, go = threading.Event(), threading.Event()

	def save_lead():
		doc = frappe.get_doc("Lead", other.name)
		doc.email_id = w.email  # matches customer B, leads M and L
		doc.save()
		saved.set()
		assert go.wait(30)  # the session commits after this returns

	def stop_keeping_names():
		limit()
		frappe.db.commit()
		drop_queued_job()
		match_names.run()

	results: list = []
	sites_path = frappe.local.sites_path
	saving = threading.Thread(target=in_own_session, args=(site, sites_path, save_lead, results))
	saving.start()
	assert saved.wait(30)
	limiting = threading.Thread(target=in_own_session, args=(site, sites_path, stop_keeping_names, results))
	limiting.start()
	time.sleep(2)  # the other session gets its chance to commit and run the job first
	go.set()
	for thread in (saving, limiting):
		thread.join(60)
		assert not thread.is_alive()
	assert results == [None, None]
	frappe.db.rollback()
	try:
		return stored(other.name)
	finally:
		frappe.delete_doc("Lead", other.name, force=True, ignore_permissions=True)
		frappe.db.commit()


def test_a_lead_saved_while_the_first_user_permission_is_created_is_blanked_too(world, site):
	"""A save that read "no User Permission" stores names; the first User Permission, created in another
	session before that save commits, must not let the job run before the save's rows exist: the insert
	waits for the save's commit (its read of the table is a locking one)."""
	w = world
	assert race(w, site, lambda: limit_to_customer(w.seller.name, w.a.name)) == [
		["Customer", None, "Email", None],
		["Lead", None, "Email", None],
		["Lead", None, "Email", None],
	]


def test_a_lead_saved_while_the_own_records_option_is_switched_on_is_blanked_too(world, site):
	"""As above for CRM Settings' own-records option: its save waits for the lead's (a locking read)."""
	w = world
	assert race(w, site, lambda: own_records_only(True)) == [
		["Customer", w.b.name, "Email", w.b.customer_name],
		["Lead", None, "Email", None],
		["Lead", None, "Email", None],
	]


def test_each_chunk_reads_a_range_of_the_primary_key():
	params = {"after": "", "hidden": ["Lead"], "table": '%"duplicates"%', "limit": 2000}
	for statement in (match_names.NAMED_ROWS, match_names.LEAD_VERSIONS):
		(plan,) = frappe.db.sql(f"explain {statement}", params, as_dict=True)
		assert (plan.key, plan.type) == ("PRIMARY", "range"), plan
