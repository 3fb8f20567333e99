"""Benchmark: what the REST request guard (crm_suite/api/request_guard.py, an `auth_hooks` entry) costs per
request, next to what Frappe's own token authentication costs (the second authentication the guard used
to run on every API call before it became an auth hook).

In-process, as Frappe runs it: a werkzeug request is built, form_dict filled as Frappe's make_form_dict
does, the session user set as Frappe's validate_auth leaves it; then the hook is timed for
1. a desk page (`/app/lead`): not an API call, the guard returns at its first line;
2. `GET /api/resource/Lead` with fields, filters, order_by and paging (all checked);
3. `POST /api/resource/Lead` with a body of ten fields;
4. a call of one of the app's whitelisted methods (`crm_suite.api.openapi.get_doctype_schema`);
and, for comparison, Frappe's check of an API key and secret (`validate_auth_via_api_keys`).
Nothing is written (a throw-away API user is created and deleted). Run from the bench folder:

	cd ~/frappe-bench && env/bin/python apps/crm_suite/benchmarks/platform_guard.py --site SITE [--rounds 2000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from crm_suite.devserver import connect, give_api_key, make_user, timed


def make_request(frappe, method: str, path: str, query: dict | None = None, body: dict | None = None):
	from frappe.app import make_form_dict
	from werkzeug.test import EnvironBuilder
	from werkzeug.wrappers import Request

	builder = EnvironBuilder(method=method, path=path, query_string=query, json=body)
	request = Request(builder.get_environ())
	frappe.local.request = request
	make_form_dict(request)
	return request


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--rounds", type=int, default=2000)
	args = parser.parse_args()
	frappe = connect(args.site)
	from frappe.auth import validate_auth_via_api_keys

	from crm_suite.api.request_guard import validate_api_request

	email = "bench-guard@example.com"
	if frappe.db.exists("User", email):
		frappe.delete_doc("User", email, force=True, ignore_permissions=True)
	user = make_user(email, "Sales User", first_name="Bench")
	token = give_api_key(user)
	frappe.db.commit()
	try:
		frappe.set_user(user.name)
		list_query = {
			"fields": json.dumps(["name", "lead_name", "status", "source", "count(name) as n"]),
			"filters": json.dumps([["status", "in", ["New", "Contacted"]], ["source", "is", "set"]]),
			"order_by": "modified desc, name asc",
			"limit_start": "0",
			"limit_page_length": "50",
		}
		body = {
			"first_name": "Ada",
			"last_name": "Lovelace",
			"email_id": "ada@example.com",
			"company_name": "AE",
			"mobile_no": "+49 30 1234567",
			"status": "New",
			"notes": "x" * 500,
			"city": "Berlin",
			"country": "Germany",
			"job_title": "Analyst",
		}
		cases = {
			"desk page /app/lead (not API)": ("GET", "/app/lead", {"filters": "whatever"}, None),
			"GET /api/resource/Lead, 5 fields, 2 filters, order, paging": (
				"GET",
				"/api/resource/Lead",
				list_query,
				None,
			),
			"POST /api/resource/Lead, 10 fields": ("POST", "/api/resource/Lead", None, body),
			"POST /api/method/crm_suite.api.openapi.get_doctype_schema": (
				"POST",
				"/api/method/crm_suite.api.openapi.get_doctype_schema",
				None,
				{"doctype": "Lead"},
			),
		}
		print(f"REST request guard, {args.rounds} rounds each, in-process (µs per request: median, p95)")
		for label, (method, path, query, payload) in cases.items():
			make_request(frappe, method, path, query, payload)
			median, p95 = timed(validate_api_request, args.rounds)  # ms
			print(f"  {label:62} {median * 1000:8.1f} {p95 * 1000:8.1f}")

		header = ["token", token]

		def token_auth():
			frappe.local.login_manager = frappe._dict(user="Guest")  # what Frappe's check reads
			validate_auth_via_api_keys(header)
			assert frappe.session.user == user.name

		make_request(frappe, "GET", "/api/resource/Lead", list_query, None)
		median, p95 = timed(token_auth, max(args.rounds // 4, 50))  # ms
		label = "for comparison: Frappe checking an API key + secret"
		print(f"  {label:62} {median * 1000:8.1f} {p95 * 1000:8.1f}")
	finally:
		frappe.local.login_manager = None  # the stand-in above; deleting a user logs it out through it
		frappe.set_user("Administrator")
		frappe.db.rollback()
		frappe.delete_doc("User", user.name, force=True, ignore_permissions=True)
		frappe.db.commit()
		frappe.destroy()


if __name__ == "__main__":
	main()
