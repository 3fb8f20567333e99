"""Benchmark: inbound SMS matched and stored per second (goal: 50 per second on the 2-core machine).

Generates (set-based, MariaDB's sequence engine) 5,000 customers with Italian mobile numbers; messages are
90% from known customers (matched by number, stored on the customer), 10% from unknown numbers (each makes
a Lead, routed by the Lead Round Robin rule; `--unknown-every N`: every Nth, 0 none). Then
1. in-process, the two halves apart: the webhook's (crm_suite.crm.messaging_inbox.queue_inbound + commit
   per message) and the job's (process_inbox: every pending message matched and stored; then the routing
   of the leads it made, their deferred automation);
2. end to end: the same mix posted over HTTP to the token webhook `crm_suite.crm.sms.inbound` on gunicorn
   (the production server; `--workers`, default 2 for 2 cores) from `--clients` concurrent clients
   (default 8), with `--job-workers` RQ workers on the `short` queue storing them (as `bench worker`;
   default 2, one for each of the inbox's two lanes; they take the `default` queue too, as production's
   `bench worker --queue short,default`, for the new leads' notifications); every answer must
   be 200, and every message must be stored exactly once. The rate is from the first post to the last
   message stored; the CPU time of gunicorn, the workers and MariaDB (from /proc, counted until the new
   leads are routed and the jobs they queued are done) per message gives the rate a quiet 2-core machine
   can reach, whatever the load while it ran.
Everything generated is deleted afterwards and the SMS webhook token is put back. Run from the bench
folder, on a developer site only:

	cd ~/frappe-bench && env/bin/python apps/crm_suite/benchmarks/channels_inbound.py --site SITE \
		[--messages 500] [--workers 2] [--clients 8] [--job-workers 2] [--unknown-every 10]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

from crm_suite.devserver import bench_folder, connect, database_pids

PREFIX = "BENCHCHN"
CUSTOMERS = 5_000
TOKEN = "bench-channels-token"
BASE = 3_400_000  # customers' numbers: +39 333 34xxxxx; unknown numbers: +39 347 …


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


UNKNOWN_EVERY = 10  # every 10th message from an unknown number (--unknown-every; 0: none)


def messages(n: int, run: str, offset: int = 0):
	"""n inbound SMS; every UNKNOWN_EVERY-th from an unknown number (a new one for each run: `offset`)."""
	for i in range(n):
		unknown = UNKNOWN_EVERY and i % UNKNOWN_EVERY == 0
		number = f"+39347{offset + i:07d}" if unknown else f"+39333{BASE + 1 + i % CUSTOMERS}"
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
	"""The two halves in this process: the webhook's (queue_inbound + commit per message) and the job's
	(process_inbox: match and store every pending message), then the routing of the leads it made (the
	deferred automation the end-to-end run's workers would otherwise do too)."""
	from crm_suite.crm.messaging_inbox import process_inbox, queue_inbound
	from crm_suite.utils.workflow_actions import run_pending

	run = frappe.generate_hash(length=6)
	frappe.set_user("Guest")
	cpu, start = time.process_time(), time.perf_counter()
	for p in messages(n, run):
		assert queue_inbound("SMS", p["message_id"], p["from"], p["text"])["status"] == "queued"
		frappe.db.commit()
	queued, queued_cpu = time.perf_counter() - start, time.process_time() - cpu
	cpu, start = time.process_time(), time.perf_counter()
	process_inbox()
	elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
	frappe.set_user("Administrator")
	# the routing of the leads it made (the deferred automation's job, crm_suite/utils/workflow_actions.py):
	# here, so that the end-to-end run's workers don't do this half's share of it
	# (the assignees' notifications too: Frappe makes them at once, not in a `default` job, under in_test)
	routing_cpu, routing_start = time.process_time(), time.perf_counter()
	frappe.flags.in_test = True
	try:
		run_pending(budget=600)
	finally:
		frappe.flags.in_test = False
	routing = time.perf_counter() - routing_start
	routing_cpu = time.process_time() - routing_cpu
	stored = frappe.db.count("Interaction", {"message_id": ("like", f"SMS:{PREFIX}-{run}-%")})
	assert stored == n, f"stored {stored} of {n}"
	rate = n / elapsed
	print(
		f"webhook half, in-process           {n:6d} messages {queued:7.2f} s  {n / queued:8.1f} messages/s"
		f"  (CPU {1000 * queued_cpu / n:.1f} ms/message)"
	)
	print(
		f"job half (match+store), in-process {n:6d} messages {elapsed:7.2f} s  {rate:8.1f} messages/s"
		f"  (CPU {1000 * cpu / n:.1f} ms/message)"
	)
	print(
		f"  + routing its new leads (deferred automation) {routing:5.2f} s"
		f"  (CPU {1000 * routing_cpu / n:.1f} ms/message); with it {n / (elapsed + routing):.1f} messages/s"
	)
	return rate


def production_env() -> dict:
	"""The environment of the server and the workers, with Python's bytecode cache on as on a production
	bench: with PYTHONDONTWRITEBYTECODE set (as in some sandboxes) every job of a forking RQ worker compiles
	the modules it imports again, about a second of CPU a job. The cache goes to a folder of its own
	(PYTHONPYCACHEPREFIX), not beside the sources."""
	env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
	env.setdefault(
		"PYTHONPYCACHEPREFIX", str(Path(tempfile.gettempdir()) / f"crm-suite-pycache-{os.getuid()}")
	)
	return env


def start_worker(bench: Path):
	"""An RQ worker on the short and default queues, as production runs `bench worker --queue
	short,default` (the assignees' notifications of the new leads are `default` jobs)."""
	return subprocess.Popen(
		[sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "worker", "--queue", "short,default"],
		cwd=bench / "sites",
		env=production_env(),
		stdout=subprocess.DEVNULL,
		stderr=subprocess.DEVNULL,
	)


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
		env=production_env(),
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


def cpu_seconds(pids: list[int]) -> float:
	"""user+sys CPU seconds of these processes and all their descendants (from /proc/PID/stat: each live
	process's own and its reaped children's), for a per-message cost that holds at any load: a quiet
	machine's rate is about (cores x 1000) / (ms per message, server, worker and database together)."""
	parents = {}
	for stat in Path("/proc").glob("[0-9]*/stat"):
		try:
			fields = stat.read_text().rsplit(")", 1)[1].split()
		except OSError:
			continue
		parents[int(stat.parent.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]))
	tree, total = set(pids), 0
	for pid in sorted(parents):  # children have higher pids than their parents (no pid wrap here)
		if parents[pid][0] in tree:
			tree.add(pid)
	for pid in tree:
		total += parents.get(pid, (0, 0))[1]
	return total / os.sysconf("SC_CLK_TCK")


def busy_queues() -> bool:
	"""Whether a job is queued or running on the workers' queues."""
	from frappe.utils.background_jobs import get_queue
	from rq.registry import StartedJobRegistry

	queues = [get_queue(name) for name in ("short", "default")]
	return any(q.count or StartedJobRegistry(queue=q).count for q in queues)


def server_pids(proc) -> list[int]:
	return [proc.pid]


def bench_http(
	frappe, requests, url: str, site: str, n: int, clients: int, proc, worker, idle: float = 10
) -> float:
	"""Posts n messages from `clients` concurrent clients; end to end is from the first post to the last
	message matched and stored by the worker's job."""
	run = frappe.generate_hash(length=6)
	payloads = list(messages(n, run, offset=1_000_000))
	headers = {"Host": site, "X-Webhook-Token": TOKEN}
	sessions = {}

	def post(p):
		import threading

		session = sessions.setdefault(threading.get_ident(), requests.Session())
		r = session.post(f"{url}/api/method/crm_suite.crm.sms.inbound", json=p, headers=headers, timeout=60)
		return r.status_code, r.text[:200]

	pids, worker_pids, db_pids = server_pids(proc), [w.pid for w in worker], database_pids()
	# MariaDB serves every site on the machine: its CPU while nothing of ours runs, to subtract
	idle_cpu, idle_start = cpu_seconds(db_pids), time.perf_counter()
	time.sleep(idle)
	db_idle_rate = (cpu_seconds(db_pids) - idle_cpu) / (time.perf_counter() - idle_start)
	cpu, worker_cpu, db_cpu = cpu_seconds(pids), cpu_seconds(worker_pids), cpu_seconds(db_pids)
	start = time.perf_counter()
	with ThreadPoolExecutor(clients) as pool:
		answers = list(pool.map(post, payloads))
	answered = time.perf_counter() - start
	bad = [a for a in answers if a[0] != 200]
	assert not bad, bad[:5]
	like = f"SMS:{PREFIX}-{run}-%"
	while True:
		frappe.db.rollback()
		left = frappe.db.sql(
			"select count(*) from `tabChannel Inbox` where name like %s and status = 'Pending'", like
		)[0][0]
		if not left:
			break
		assert time.perf_counter() - start < 1800, f"{left} messages still pending"
		time.sleep(0.05)
	elapsed = time.perf_counter() - start
	# the CPU counted includes the routing of the leads it made (the deferred automation's rows gone) and
	# the jobs that queued (the assignees' notifications)
	while frappe.db.sql("select count(*) from `tabDeferred Automation`")[0][0] or busy_queues():
		assert time.perf_counter() - start < 1800, "leads still waiting for their routing"
		time.sleep(0.05)
		frappe.db.rollback()
	routed = time.perf_counter() - start
	cpu, worker_cpu = cpu_seconds(pids) - cpu, cpu_seconds(worker_pids) - worker_cpu
	db_cpu = cpu_seconds(db_pids) - db_cpu
	stored = frappe.db.sql(
		"select count(*), count(distinct message_id) from `tabInteraction` where message_id like %s", like
	)[0]
	assert stored == (n, n), f"stored {stored}, sent {n}"
	failed = frappe.db.count("Channel Inbox", {"name": ("like", like), "status": "Failed"})
	assert not failed, f"{failed} failed"
	rate = n / elapsed
	print(
		f"webhook over HTTP ({clients} clients)   {n:6d} messages {answered:7.2f} s  {n / answered:8.1f} answered/s"
	)
	print(f"end to end (posted -> stored)      {n:6d} messages {elapsed:7.2f} s  {rate:8.1f} messages/s")
	print(f"  new leads routed and the jobs they queued done {routed:.2f} s after the first post")
	total = cpu + worker_cpu
	ours = max(db_cpu - db_idle_rate * elapsed, 0)
	print(
		f"  CPU per message: gunicorn {1000 * cpu / n:.1f} ms + worker {1000 * worker_cpu / n:.1f} ms"
		f" = {1000 * total / n:.1f} ms; MariaDB {1000 * db_cpu / n:.1f} ms, {1000 * ours / n:.1f} ms without"
		f" the {db_idle_rate:.2f} CPU-s/s it used for other sites in the {idle:.0f} s before"
	)
	print(
		f"  two idle cores give that CPU (server + worker + MariaDB's share) about {2 * n / (total + ours):.0f}"
		f" messages/s ({2 * n / (total + db_cpu):.0f} with all of MariaDB's); the clients not counted"
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
	sql(f"delete from `tabChannel Inbox` where name like 'SMS:{PREFIX}-%%'")
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
	global UNKNOWN_EVERY
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--messages", type=int, default=500)
	parser.add_argument("--workers", type=int, default=2)
	parser.add_argument("--clients", type=int, default=8)
	parser.add_argument("--no-http", action="store_true")
	parser.add_argument("--unknown-every", type=int, default=UNKNOWN_EVERY)
	# RQ workers on the short queue: one a lane (crm_inbox_lanes, default 2) stores the lanes in parallel
	parser.add_argument("--job-workers", type=int, default=2)
	args = parser.parse_args()
	UNKNOWN_EVERY = args.unknown_every
	frappe, bench = connect(args.site), bench_folder()
	started_at = frappe.utils.now()
	proc = worker = None
	saved = set_token(frappe)
	try:
		t = time.perf_counter()
		generate(frappe)
		print(f"generated {CUSTOMERS} customers in {time.perf_counter() - t:.1f} s; load {os.getloadavg()}")
		bench_in_process(frappe, args.messages)
		if not args.no_http:
			worker = [start_worker(bench) for _ in range(args.job_workers)]
			proc, url, requests = start_gunicorn(bench, args.workers)
			wait_ready(requests, url, args.site)
			bench_http(frappe, requests, url, args.site, args.messages, args.clients, proc, worker)
		print(f"load average afterwards {os.getloadavg()}")
	finally:
		for p in [proc, *(worker or [])]:
			if p:
				p.terminate()
				p.wait(timeout=30)
		frappe.db.rollback()
		cleanup(frappe, started_at)
		restore_token(frappe, saved)
		frappe.destroy()


if __name__ == "__main__":
	main()
