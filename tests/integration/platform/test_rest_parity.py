"""Differential test: the REST API answers the app's DocTypes the way Frappe answers its own.

The same corpus of list, get, create, update and delete requests goes to an app DocType and to a Frappe
DocType with the same features (a Link to Salutation, a child table, a status Select, a first name), as
the same Sales Manager; both must answer with the same status class (2xx, 4xx), and no request may get
a 5xx. The corpus covers what an API consumer built for Frappe sends: fields incl. a linked record's field
and child fields, the standard underscore fields, filters as a list and as an object, or_filters,
group_by, aggregates and their aliases (also in order_by), order_by, paging; and bad input, which must be
a 4xx on both."""

import json

import frappe
import pytest
import requests

from tests.integration.factories import unique

# Frappe's DocType and the app's, and the names the corpus uses for their like-for-like fields.
PAIRS = {
	"Lead": {"child": "Lead Duplicate", "table": "duplicates", "child_field": "match_title"},
	"Contact": {"child": "Contact Email", "table": "email_ids", "child_field": "email_id"},
}

J = json.dumps
LIST_REQUESTS = [
	{},
	{"fields": J(["name", "status"])},
	{"fields": J(["*"])},
	{"fields": J(["name", "_assign", "_liked_by", "_comments", "_user_tags"])},
	{"fields": J(["name", "salutation.salutation"])},
	{"fields": J(["name", "`tab{child}`.{child_field}"])},
	{"fields": J(["name", "{table}.{child_field}"])},
	{"fields": J(["`tab{doctype}`.`name`", "`tab{doctype}`.status"])},
	{"fields": J(["status", "count(name) as n"]), "group_by": "status", "order_by": "n desc"},
	{"fields": J(["status", "count(*) as total"]), "group_by": "status", "order_by": "total asc"},
	{"fields": J(["count(name)"])},
	{"fields": J(["count(distinct status) as k", "max(modified) as latest", "min(creation)"])},
	{"fields": J(["sum(idx) as s", "avg(idx) as a"])},
	{"fields": J(["name", "first_name as given"]), "order_by": "given asc"},
	{"filters": J([["status", "!=", "Nope"]])},
	{"filters": J({"first_name": "Parity"})},
	{"filters": J({"status": ["in", ["Open", "New"]]})},
	{"filters": J({"status": ["not in", "Open,New"]})},
	{"filters": J([["{doctype}", "first_name", "like", "%Parity%"]])},
	{"filters": J([["modified", ">", "2000-01-01"]])},
	{"filters": J([["modified", "between", ["2000-01-01", "2099-12-31"]]])},
	{"filters": J([["modified", "timespan", "last year"]])},
	{"filters": J([["first_name", "is", "set"]])},
	{"filters": J([["{child}", "{child_field}", "like", "%"]])},
	{"filters": J([["_assign", "like", "%x%"]])},
	{"or_filters": J([["first_name", "=", "Parity"], ["status", "=", "Open"]])},
	{"filters": J({"first_name": ["like", "P%"]}), "or_filters": J({"status": "New"})},
	{"order_by": "modified desc"},
	{"order_by": "`tab{doctype}`.`modified` desc, name asc"},
	{"group_by": "status", "fields": J(["status"])},
	{"limit_start": "0", "limit_page_length": "5"},
	{"limit": "3"},
	{"limit_page_length": "0"},
	{"as_dict": "0", "fields": J(["name"])},
	# bad input: a 4xx on both, never a 5xx
	{"filters": "status=New"},
	{"fields": "name,status"},
	{"or_filters": "[["},
	{"filters": J([["status", "~", "x"]])},
	{"filters": J({"no_such_field": 1})},
	{"fields": J(["no_such_field"])},
	{"fields": J(["(select password from __Auth)"])},
	{"order_by": "no_such_field desc"},
	{"group_by": "no_such_field"},
	{"order_by": "name; drop table x"},
	{"limit_page_length": "-5"},
	{"limit_start": "-1"},
	{"filters": J([[1, "=", 1]])},
	{"filters": "5"},
	{"filters": J([["status", "=="]])},
]


def status_class(response) -> str:
	return f"{response.status_code // 100}xx"


def put_raw(api, path: str, data: str):
	headers = {**api.headers, "Content-Type": "application/json"}
	return requests.put(api.server.url + path, data=data, headers=headers, timeout=30)


def fill(params: dict, doctype: str) -> dict:
	names = {"doctype": doctype, **PAIRS[doctype]}
	return {k: _format(v, names) for k, v in params.items()}


def _format(value: str, names: dict) -> str:
	for key, name in names.items():
		value = value.replace("{" + key + "}", name)
	return value


@pytest.fixture
def api(api_as):
	return api_as("Sales Manager")


@pytest.fixture
def records(api, committed):
	"""One record of each DocType, made over REST (committed; deleted afterwards)."""
	made = {}
	for doctype in PAIRS:
		response = api.post(f"/api/resource/{doctype}", json={"first_name": "Parity", "last_name": unique()})
		assert response.status_code == 200, response.text
		made[doctype] = committed(frappe._dict(doctype=doctype, name=response.json()["data"]["name"])).name
	return made


def test_list_requests_get_the_same_status_class(api, records):
	differences, server_errors = [], []
	for params in LIST_REQUESTS:
		answers = {dt: api.get(f"/api/resource/{dt}", params=fill(params, dt)) for dt in PAIRS}
		classes = {dt: status_class(r) for dt, r in answers.items()}
		if len(set(classes.values())) > 1:
			differences.append((params, {dt: (r.status_code, r.text[:300]) for dt, r in answers.items()}))
		server_errors += [(dt, params, r.text[:300]) for dt, r in answers.items() if r.status_code >= 500]
	assert not server_errors, server_errors
	assert not differences, differences


def test_the_requests_in_the_issue_are_served(api, records):
	lead = records["Lead"]
	response = api.get(
		"/api/resource/Lead",
		params={
			"fields": J(["name", "_assign", "_liked_by", "_comments", "_user_tags"]),
			"filters": J({"name": lead}),
		},
	)
	assert response.status_code == 200, response.text
	assert set(response.json()["data"][0]) == {"name", "_assign", "_liked_by", "_comments", "_user_tags"}

	response = api.get(
		"/api/resource/Lead",
		params={"fields": J(["status", "count(name) as n"]), "group_by": "status", "order_by": "n desc"},
	)
	assert response.status_code == 200, response.text
	counts = [row["n"] for row in response.json()["data"]]
	assert counts == sorted(counts, reverse=True) and sum(counts) >= 1


def test_a_linked_records_field_on_opportunity(api_as, committed):
	from tests.integration.factories import make_customer

	customer = committed(make_customer())
	opportunity = frappe.get_doc(
		{"doctype": "Opportunity", "title": unique("Parity "), "customer": customer.name}
	).insert()
	committed(opportunity)
	frappe.db.commit()
	response = api_as("Sales Manager").get(
		"/api/resource/Opportunity",
		params={
			"fields": J(["name", "customer.customer_name", "customer.customer_group as grp"]),
			"filters": J({"name": opportunity.name}),
		},
	)
	assert response.status_code == 200, response.text
	row = response.json()["data"][0]
	assert row["customer_name"] == customer.customer_name and row["grp"] == customer.customer_group


def test_get_create_update_delete_get_the_same_status_class(api, records):
	answers: dict[str, list] = {dt: [] for dt in PAIRS}
	deleted = []
	for doctype, name in records.items():
		path = f"/api/resource/{doctype}/{name}"
		got = api.get(path)
		answers[doctype].append(("get", got))
		answers[doctype].append(("get missing", api.get(f"/api/resource/{doctype}/no-such-record-x")))
		answers[doctype].append(("update", api.put(path, json={"last_name": unique()})))
		# what a client sends after GET-modify: the whole document, standard fields included
		document = {**got.json()["data"], "last_name": unique()}
		answers[doctype].append(("put back", api.put(path, json=document)))
		answers[doctype].append(("put bad json", put_raw(api, path, "{")))
		answers[doctype].append(("run_method missing", api.post(path, json={"first_name": "x"})))
		created = api.post(
			f"/api/resource/{doctype}",
			json={"first_name": "Parity", "last_name": unique(), PAIRS[doctype]["table"]: []},
		)
		answers[doctype].append(("create with empty child table", created))
		if created.ok:
			made = created.json()["data"]["name"]
			answers[doctype].append(("delete", api.delete(f"/api/resource/{doctype}/{made}")))
			deleted.append((doctype, made))
		answers[doctype].append(("create not an object", api.post(f"/api/resource/{doctype}", json=[1])))
	for doctype, name in deleted:  # the server kept a Deleted Document copy of what the DELETE deleted
		frappe.db.delete("Deleted Document", {"deleted_doctype": doctype, "deleted_name": name})
	frappe.db.commit()
	lead, contact = answers["Lead"], answers["Contact"]
	differences = [
		(what, a.status_code, b.status_code, a.text[:300], b.text[:300])
		for (what, a), (_, b) in zip(lead, contact, strict=True)
		if status_class(a) != status_class(b) or a.status_code >= 500 or b.status_code >= 500
	]
	assert not differences, differences
