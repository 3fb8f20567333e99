"""Benchmark: inbound SMS matched and stored per second (goal: 50 per second on the 2-core machine).

Generates (set-based, MariaDB's sequence engine) 5,000 customers with Italian mobile numbers; then
1. stores messages in-process (crm_suite.crm.messaging.record_inbound + commit per message, as the webhook
   does): 90% from known customers (matched by number, stored on the customer), 10% from unknown numbers
   (each makes a Lead, routed by the Lead Round Robin rule);
2. posts the same mix over HTTP to the token webhook `crm_suite.crm.sms.inbound` on gunicorn (the
   production server; `--workers`, default 2 for 2 cores) from `--clients` concurrent clients (default 8);
   every answer must be 200, and every message must be stored exactly once.
Everything generated is deleted afterwards and the SMS webhook token is put back. Run from the bench
folder, on a developer site only:

	cd ~/frappe-bench && env/bin/python apps/crm_suite/benchmarks/channels_inbound.py --site SITE \
		[--messages 500] [--workers 2] [--clients 8]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

PREFIX = "BENCHCHN"
CUSTOMERS = 5_000
TOKEN = "bench-channels-token"
BASE = 3_400_000  # customers' numbers: +39 333 34xxxxx; unknown numbers: +39 347 …


def connect(site: str):
	import frappe

	bench = Path(frappe.__file__).resolve().parents[3]
	os.chdir(bench / "sites")
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	return frappe, bench


def generate(frappe) -> None:
	common = "now(6), now(6), 'Administrator', 'Administrator', 0, 0"
	frappe.db.sql(
		f"""insert into `tabCustomer` (name, creation, modified, owner, modified_by, docstatus, idx,
			naming_series, customer_name, customer_type, customer_group, mobile_no, mobile_digits, disabled)
		select concat('{PREFIX}-C-', lpad(seq, 6, '0')), {common}, 'CUST-.YYYY.-',
			concat('{PREFIX} Customer ', seq), 'Company', 'Commercial',
			concat('+39 333 ', {BASE} + seq), concat('39333', {BASE} + seq), 0
		from seq_1_to_{CUSTOMERS}"""
	)
	frappe.db.commit()


def messages(n: int, run: str, offset: int = 0):
	"""n inbound SMS; every 10th from an unknown number (a new one for each run: `offset`)."""
	for i in range(n):
		number = f"+39347{offset + i:07d}" if i % 10 == 0 else f"+39333{BASE + 1 + i % CUSTOMERS}"
		yield {"message_id": f"{PREFIX}-{run}-{i}", "from": number, "text": f"Message {i}"}


def set_token(frappe) -> list:
	saved = frappe.db.sql(
		"select * from `__Auth` where doctype = 'Contact Center Settings' and fieldname = 'sms_webhook_token'",
		as_dict=True,
	)
	settings = frappe.get_single("Contact Center Settings")
	settings.sms_webhook_token = TOKEN
	settings.default_region = settings.default_region or "IT"
	settings.sms_unknown_sender = "Create a Lead"
	settings.save()
	frappe.db.commit()
	return saved


def restore_token(frappe, saved: list) -> None:
	frappe.db.sql(
		"delete from `__Auth` where doctype = 'Contact Center Settings' and fieldname = 'sms_webhook_token'"
	)
	for row in saved:
		frappe.db.sql(
			"insert into `__Auth` (doctype, name, fieldname, password, encrypted) values (%s, %s, %s, %s, %s)",
			(row.doctype, row.name, row.fieldname, row.password, row.encrypted),
		)
	frappe.db.commit()


def bench_in_process(frappe, n: int) -> float:
	from crm_suite.crm.messaging import record_inbound

	run = frappe.generate_hash(length=6)
	frappe.set_user("Guest")
	start = time.perf_counter()
	for p in messages(n, run):
		result = record_inbound("SMS", p["message_id"], p["from"], p["text"])
		assert result["status"] == "recorded", result
		frappe.db.commit()
	elapsed = time.perf_counter() - start
	frappe.set_user("Administrator")
	rate = n / elapsed
	print(f"inbound SMS, in-process             {n:6d} messages {elapsed:7.2f} s  {rate:8.1f} messages/s")
	return rate


def start_gunicorn(bench: Path, workers: int):
	import requests

	with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
		s.bind(("127.0.0.1", 0))
		port = s.getsockname()[1]
	proc = subprocess.Popen(
		[
			str(Path(sys.executable).with_name("gunicorn")),
			"-b",
			f"127.0.0.1:{port}",
			"-w",
			str(workers),
			"-t",
			"120",
			"--preload",
			"frappe.app:application",
		],
		cwd=bench / "sites",
		stdout=subprocess.DEVNULL,
		stderr=subprocess.DEVNULL,
	)
	return proc, f"http://127.0.0.1:{port}", requests


def wait_ready(requests, url: str, site: str) -> None:
	for _ in range(300):
		try:
			if requests.get(f"{url}/api/method/ping", headers={"Host": site}, timeout=2).ok:
				return
		except requests.ConnectionError:
			time.sleep(0.3)
	raise RuntimeError("gunicorn did not start")


def bench_http(frappe, requests, url: str, site: str, n: int, clients: int) -> float:
	run = frappe.generate_hash(length=6)
	payloads = list(messages(n, run, offset=1_000_000))
	headers = {"Host": site, "X-Webhook-Token": TOKEN}
	sessions = {}

	def post(p):
		import threading

		session = sessions.setdefault(threading.get_ident(), requests.Session())
		r = session.post(f"{url}/api/method/crm_suite.crm.sms.inbound", json=p, headers=headers, timeout=60)
		return r.status_code, r.text[:200]

	start = time.perf_counter()
	with ThreadPoolExecutor(clients) as pool:
		answers = list(pool.map(post, payloads))
	elapsed = time.perf_counter() - start
	bad = [a for a in answers if a[0] != 200]
	assert not bad, bad[:5]
	frappe.db.rollback()
	stored = frappe.db.sql(
		"select count(*), count(distinct message_id) from `tabInteraction` where message_id like %s",
		f"SMS:{PREFIX}-{run}-%",
	)[0]
	assert stored == (n, n), f"stored {stored}, sent {n}"
	rate = n / elapsed
	print(
		f"inbound SMS, HTTP ({clients} clients)      {n:6d} messages {elapsed:7.2f} s  {rate:8.1f} messages/s"
	)
	return rate


def cleanup(frappe, started_at) -> None:
	sql = frappe.db.sql
	leads = sql(
		"select name from `tabLead` where mobile_no like '+39347%%' and creation >= %s",
		started_at,
		pluck=True,
	) or [""]
	sql(f"delete from `tabInteraction` where message_id like 'SMS:{PREFIX}-%%'")
	for table, column in (("ToDo", "reference_type"), ("Comment", "reference_doctype")):
		name_col = "reference_name"
		sql(f"delete from `tab{table}` where {column} = 'Lead' and {name_col} in %(l)s", {"l": leads})
	sql("delete from `tabVersion` where ref_doctype = 'Lead' and docname in %(l)s", {"l": leads})
	sql(
		"delete from `tabNotification Log` where document_type = 'Lead' and document_name in %(l)s",
		{"l": leads},
	)
	if frappe.db.table_exists("Lead Duplicate"):
		sql("delete from `tabLead Duplicate` where parent in %(l)s", {"l": leads})
	sql("delete from `tabLead` where name in %(l)s", {"l": leads})
	sql(f"delete from `tabCustomer` where name like '{PREFIX}-%%'")
	frappe.db.commit()


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--messages", type=int, default=500)
	parser.add_argument("--workers", type=int, default=2)
	parser.add_argument("--clients", type=int, default=8)
	parser.add_argument("--no-http", action="store_true")
	args = parser.parse_args()
	frappe, bench = connect(args.site)
	started_at = frappe.utils.now()
	proc = None
	saved = set_token(frappe)
	try:
		t = time.perf_counter()
		generate(frappe)
		print(f"generated {CUSTOMERS} customers in {time.perf_counter() - t:.1f} s; load {os.getloadavg()}")
		bench_in_process(frappe, args.messages)
		if not args.no_http:
			proc, url, requests = start_gunicorn(bench, args.workers)
			wait_ready(requests, url, args.site)
			bench_http(frappe, requests, url, args.site, args.messages, args.clients)
		print(f"load average afterwards {os.getloadavg()}")
	finally:
		if proc:
			proc.terminate()
			proc.wait(timeout=30)
		frappe.db.rollback()
		cleanup(frappe, started_at)
		restore_token(frappe, saved)
		frappe.destroy()


if __name__ == "__main__":
	main()
