"""Benchmark: call events accepted per second, and the customer timeline API's latency at 10k interactions.

Generates (set-based, MariaDB's sequence engine) 5,000 customers with Berlin phone numbers and one customer
with 10,000 interactions, 200 opportunities and 200 tickets; then
1. posts call events in-process (handle_call_event + commit per event, as the webhook does): ringing then
   ended for calls from known customers, and 10% from unknown numbers (each creates a Lead);
2. posts call events over HTTP to a real `bench serve` (werkzeug, one process, no threads) with the token;
3. times get_customer_timeline for the first, a middle and the last page (20 rows) of the 10k customer,
   in-process (as Administrator, and as a user whom a User Permission restricts to one of the tickets:
   the record-level conditions run inside the query) and over REST.
Everything generated is deleted afterwards. Run from the bench folder, on a developer site only:

	cd ~/frappe-bench && env/bin/python apps/crm_suite/benchmarks/marketing_calls.py --site SITE [--events 400]
"""

from __future__ import annotations

import argparse
import statistics
import time
from contextlib import ExitStack

from crm_suite.devserver import connect, give_api_key, make_user, serve, timed

PREFIX = "BENCHMKT"
CUSTOMERS = 5_000
INTERACTIONS = 10_000
TOKEN = "bench-marketing-token"
RESTRICTED_USER = f"{PREFIX.lower()}-restricted@example.com"


def generate(frappe) -> str:
	sql = frappe.db.sql
	common = "now(6), now(6), 'Administrator', 'Administrator', 0, 0"
	sql(
		f"""insert into `tabCustomer` (name, creation, modified, owner, modified_by, docstatus, idx,
			naming_series, customer_name, customer_type, customer_group, phone, disabled)
		select concat('{PREFIX}-C-', lpad(seq, 6, '0')), {common}, 'CUST-.YYYY.-',
			concat('{PREFIX} Customer ', seq), 'Company', 'Commercial', concat('030 ', 40000000 + seq), 0
		from seq_1_to_{CUSTOMERS}"""
	)
	timeline_customer = f"{PREFIX}-C-TIMELINE"
	sql(
		f"""insert into `tabCustomer` (name, creation, modified, owner, modified_by, docstatus, idx,
			naming_series, customer_name, customer_type, customer_group, disabled)
		values (%s, {common}, 'CUST-.YYYY.-', '{PREFIX} Timeline Customer', 'Company', 'Commercial', 0)""",
		timeline_customer,
	)
	sql(
		f"""insert into `tabInteraction` (name, creation, modified, owner, modified_by, docstatus, idx,
			naming_series, subject, channel, direction, outcome, interaction_time, duration,
			reference_doctype, reference_name, customer)
		select concat('{PREFIX}-I-', lpad(seq, 6, '0')), {common}, 'INT-.YYYY.-', concat('Call ', seq),
			elt(1 + mod(seq, 6), 'Call', 'Email', 'Meeting', 'Chat', 'SMS', 'Web Form'),
			if(mod(seq, 2), 'Inbound', 'Outbound'), 'Connected',
			timestampadd(minute, -seq * 37, now()), 60 + mod(seq, 600), 'Customer', %(c)s, %(c)s
		from seq_1_to_{INTERACTIONS}""",
		{"c": timeline_customer},
	)
	sql(
		f"""insert into `tabOpportunity` (name, creation, modified, owner, modified_by, docstatus, idx,
			naming_series, title, customer, status, amount, currency)
		select concat('{PREFIX}-O-', lpad(seq, 6, '0')), timestampadd(day, -seq, now()), now(6),
			'Administrator', 'Administrator', 0, 0, 'CRM-OPP-.YYYY.-', concat('Deal ', seq), %(c)s, 'Open',
			1000 + seq, 'EUR'
		from seq_1_to_200""",
		{"c": timeline_customer},
	)
	sql(
		f"""insert into `tabTicket` (name, creation, modified, owner, modified_by, docstatus, idx,
			naming_series, subject, customer, status, priority, opening_date)
		select concat('{PREFIX}-T-', lpad(seq, 6, '0')), {common}, 'TKT-.YYYY.-', concat('Issue ', seq),
			%(c)s, 'Open', 'Medium', timestampadd(hour, -seq * 5, now())
		from seq_1_to_200""",
		{"c": timeline_customer},
	)
	settings = frappe.get_single("Contact Center Settings")
	settings.webhook_token = TOKEN
	settings.default_region = "DE"
	settings.create_lead_for_unknown = 1
	settings.save()
	frappe.db.commit()
	return timeline_customer


def cleanup(frappe, started_at) -> None:
	sql = frappe.db.sql
	logs = "select name from `tabCall Event Log` where name like 'bench-%%'"
	sql(
		"delete from `tabToDo` where reference_type = 'Interaction' and reference_name in "
		"(select interaction from `tabCall Event Log` where name like 'bench-%%')"
	)
	sql(
		f"delete from `tabInteraction` where name in (select interaction from `tabCall Event Log` "
		f"where name like 'bench-%%') or name like '{PREFIX}-%%'"
	)
	leads = sql(
		"select name from `tabLead` where last_name like '+4915%%' and creation >= %s", started_at, pluck=True
	)
	for table in ("Version", "Comment"):
		sql(
			f"delete from `tab{table}` where ref_doctype = 'Lead' and docname in %(l)s"
			if table == "Version"
			else f"delete from `tab{table}` where reference_doctype = 'Lead' and reference_name in %(l)s",
			{"l": leads or [""]},
		)
	sql(
		"delete from `tabToDo` where reference_type = 'Lead' and reference_name in %(l)s",
		{"l": leads or [""]},
	)
	for child in ("Lead Duplicate",):
		if frappe.db.table_exists(child):
			sql(f"delete from `tab{child}` where parent in %(l)s", {"l": leads or [""]})
	sql("delete from `tabLead` where name in %(l)s", {"l": leads or [""]})
	sql(logs.replace("select name", "delete"))
	sql(f"delete from `tabOpportunity` where name like '{PREFIX}-%%'")
	sql(f"delete from `tabTicket` where name like '{PREFIX}-%%'")
	sql(f"delete from `tabCustomer` where name like '{PREFIX}-%%'")
	for user in (f"{PREFIX.lower()}-api@example.com", RESTRICTED_USER):
		frappe.db.delete("User Permission", {"user": user})
		if frappe.db.exists("User", user):
			frappe.delete_doc("User", user, force=True, ignore_permissions=True)
	settings = frappe.get_single("Contact Center Settings")
	settings.webhook_token = ""
	settings.save()
	frappe.db.commit()


def events(n: int, run: str):
	"""ringing + ended for n/2 calls; every 10th call from an unknown mobile number."""
	for i in range(n // 2):
		number = f"+4915{run[-3:]}{i:07d}"[:14] if i % 10 == 0 else f"+4930{40000000 + 1 + i % CUSTOMERS}"
		call = f"bench-{run}-{i}"
		yield {"event_id": f"{call}-r", "event": "ringing", "call_id": call, "from": number}
		yield {"event_id": f"{call}-e", "event": "ended", "call_id": call, "from": number, "duration": 42}


def bench_in_process(frappe, n: int) -> float:
	from crm_suite.crm.telephony import handle_call_event

	run = frappe.generate_hash(length=6)
	frappe.set_user("Guest")
	start = time.perf_counter()
	count = 0
	for payload in events(n, run):
		handle_call_event(payload)
		frappe.db.commit()
		count += 1
	elapsed = time.perf_counter() - start
	frappe.set_user("Administrator")
	rate = count / elapsed
	print(f"call events, in-process          {count:6d} events  {elapsed:7.2f} s  {rate:8.1f} events/s")
	return rate


def bench_http(frappe, url: str, site: str, n: int) -> float:
	import requests

	run = frappe.generate_hash(length=6)
	session = requests.Session()
	headers = {"Host": site, "X-Webhook-Token": TOKEN}
	start = time.perf_counter()
	count = 0
	for payload in events(n, run):
		r = session.post(
			f"{url}/api/method/crm_suite.crm.telephony.call_event", json=payload, headers=headers
		)
		assert r.status_code == 200, r.text[:300]
		count += 1
	elapsed = time.perf_counter() - start
	rate = count / elapsed
	print(f"call events, HTTP (1 process)    {count:6d} events  {elapsed:7.2f} s  {rate:8.1f} events/s")
	return rate


def api_user(frappe) -> str:
	"""A Sales User with an API key for the REST timing (deleted in cleanup)."""
	email = f"{PREFIX.lower()}-api@example.com"
	if frappe.db.exists("User", email):
		frappe.delete_doc("User", email, force=True, ignore_permissions=True)
	token = give_api_key(make_user(email, "Sales User", first_name="Bench"))
	frappe.db.commit()
	return token


def restricted_user(frappe) -> str:
	"""A Sales User + Support Agent whom a User Permission allows one of the timeline customer's tickets."""
	make_user(RESTRICTED_USER, "Sales User", "Support Agent", first_name="Bench Restricted")
	frappe.get_doc(
		{
			"doctype": "User Permission",
			"user": RESTRICTED_USER,
			"allow": "Ticket",
			"for_value": f"{PREFIX}-T-000001",
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	return RESTRICTED_USER


def bench_timeline(frappe, customer: str, url: str | None, site: str) -> None:
	from crm_suite.crm.timeline import get_customer_timeline

	total = INTERACTIONS + 400
	for label, start in (("first page", 0), ("middle page", total // 2), ("last page", total - 20)):
		med, p95 = timed(lambda s=start: get_customer_timeline(customer, s, 20), 30)
		print(
			f"timeline in-process, {label:<12} (offset {start:5d})  median {med:7.2f} ms   p95 {p95:7.2f} ms"
		)
	frappe.set_user(restricted_user(frappe))
	total = INTERACTIONS + 201  # the opportunities and the one ticket the User Permission allows
	tail = get_customer_timeline(customer, total - 5, 20)
	assert len(tail["items"]) == 5 and not tail["has_more"], "the restricted timeline has the wrong length"
	for label, start in (("first page", 0), ("middle page", total // 2), ("last page", total - 20)):
		med, p95 = timed(lambda s=start: get_customer_timeline(customer, s, 20), 30)
		print(
			f"timeline restricted, {label:<12} (offset {start:5d})  median {med:7.2f} ms   p95 {p95:7.2f} ms"
		)
	frappe.set_user("Administrator")
	if url:
		import requests

		session = requests.Session()
		auth = {"Host": site, "Authorization": f"token {api_user(frappe)}"}
		med, p95 = timed(
			lambda: session.get(
				f"{url}/api/method/crm_suite.crm.timeline.get_customer_timeline",
				params={"customer": customer, "start": 0, "page_length": 20},
				headers=auth,
			).raise_for_status(),
			30,
		)
		print(f"timeline over REST, first page                 median {med:7.2f} ms   p95 {p95:7.2f} ms")


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--events", type=int, default=400)
	parser.add_argument("--no-http", action="store_true")
	args = parser.parse_args()
	frappe = connect(args.site)
	started_at = frappe.utils.now()
	try:
		t = time.perf_counter()
		customer = generate(frappe)
		print(
			f"generated {CUSTOMERS} customers and {INTERACTIONS} interactions in {time.perf_counter() - t:.1f} s"
		)
		bench_in_process(frappe, args.events)
		with ExitStack() as stack:
			url = None
			if not args.no_http:
				url = stack.enter_context(serve(args.site, log_name="marketing-benchmark"))
				bench_http(frappe, url, args.site, args.events)
			bench_timeline(frappe, customer, url, args.site)
	finally:
		frappe.db.rollback()
		cleanup(frappe, started_at)
		frappe.destroy()


if __name__ == "__main__":
	main()
