"""Queues under a burst of intake: does the 5-minute SLA check still run on time?

1. A burst: N leads and M tickets saved with the round robins on (a Sales User and a Support Agent are
   created) through the app's save path, one transaction per record as one REST request each, by
   --processes concurrent processes (like concurrent REST clients: the tickets in one, the leads in the
   others; a deadlock is retried, as a client would, and counted); Frappe enqueues one
   assignment-notification job per record onto `default`.
2. The scheduler's own path enqueues the SLA check (its Scheduled Job Type) with a breached ticket
   waiting to be escalated, and one real RQ worker (`bench worker`, all queues) starts.
3. Prints how long the check took to escalate, how many notification jobs were still waiting then, and
   the rate at which the worker drains `default` (sampled for --sample seconds): the flood's drain time
   is what the check waited on `default` before (the SLA job queued behind the burst).

	cd ~/frappe-bench && env/bin/python apps/crm_suite/benchmarks/queue_burst.py --site SITE \
		[--leads 10000] [--tickets 2000] [--processes 2] [--sample 60]

Everything it made is deleted afterwards and what is left of the burst's jobs is removed from `default`.
The bench's workers should be stopped while it runs (it counts the `default` queue).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor


def waiting_saves(frappe) -> int:
	"""Saves whose Workflow Actions and assignment wait for the job on `short`
	(crm_suite/utils/workflow_actions.py)."""
	return frappe.db.count("Deferred Automation")


def record(kind: str, run: str, i: int, customer: str) -> dict:
	if kind == "Lead":
		return {
			"doctype": "Lead",
			"first_name": "Burst",
			"last_name": str(i),
			"email_id": f"burst-{run}-{i}@example.com",
		}
	return {"doctype": "Ticket", "subject": f"burst-{run}-{i}", "customer": customer}


def insert_share(site: str, sites_path: str, run: str, customer: str, share: list) -> tuple[dict, int]:
	"""One process of the burst: saves its share of (kind, i) through the document model, committing each
	record (one REST request each); a deadlock is rolled back and retried. Returns the names made per
	doctype and the number of retries."""
	import frappe

	frappe.init(site=site, sites_path=sites_path)
	frappe.connect()
	made: dict[str, list[str]] = {"Lead": [], "Ticket": []}
	retries = 0
	try:
		for kind, i in share:
			for _attempt in range(10):
				try:
					doc = frappe.get_doc(record(kind, run, i, customer)).insert(ignore_permissions=True)
					frappe.db.commit()
					made[kind].append(doc.name)
					break
				except (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
					frappe.db.rollback()
					retries += 1
		return made, retries
	finally:
		frappe.destroy()


def remove_job(queue, job_id: str) -> None:
	from rq.exceptions import NoSuchJobError
	from rq.job import Job

	try:
		Job.fetch(job_id, connection=queue.connection).delete()  # off the queue, and its data
	except NoSuchJobError:
		queue.remove(job_id)


def main() -> None:
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--site", required=True)
	parser.add_argument("--leads", type=int, default=10_000)
	parser.add_argument("--tickets", type=int, default=2_000)
	parser.add_argument("--processes", type=int, default=2, help="concurrent processes saving the burst")
	parser.add_argument("--sample", type=int, default=60, help="seconds of draining sampled")
	args = parser.parse_args()

	from frappe.utils.background_jobs import get_queue

	from crm_suite.devserver import bench_folder, connect, delete_traces

	frappe = connect(args.site)
	bench = bench_folder()

	run = frappe.generate_hash(length=6).lower()
	users = []
	made: dict[str, list[str]] = {"Lead": [], "Ticket": []}
	worker = None
	default = get_queue("default")
	queued_before: set[str] | None = None
	try:
		for role in ("Sales User", "Support Agent", "Support Manager"):
			users.append(
				frappe.get_doc(
					{
						"doctype": "User",
						"email": f"burst-{run}-{role.lower().replace(' ', '-')}@example.com",
						"first_name": f"Burst {role}",
						"send_welcome_email": 0,
						"roles": [{"role": role}],
					}
				)
				.insert(ignore_permissions=True)
				.name
			)
		customer = frappe.get_doc({"doctype": "Customer", "customer_name": f"Burst {run}"}).insert(
			ignore_permissions=True
		)
		breached = frappe.get_doc(
			{"doctype": "Ticket", "subject": f"burst-{run}-breached", "customer": customer.name}
		).insert(ignore_permissions=True)
		frappe.db.set_value("Ticket", breached.name, "agreement_status", "Failed", update_modified=False)
		frappe.db.commit()
		queued_before = set(default.job_ids)
		base = len(queued_before)

		load_before = os.getloadavg()
		cpu_before = os.times()
		# Saves of one doctype queue on its naming series row (held from naming to commit), so the leads
		# and the tickets are saved side by side: the tickets by the last process, the leads by the others.
		leads = [("Lead", i) for i in range(args.leads)]
		tickets = [("Ticket", i) for i in range(args.tickets)]
		if args.processes > 1:
			shares = [leads[p :: args.processes - 1] for p in range(args.processes - 1)] + [tickets]
		else:
			shares = [leads + tickets]
		start = time.perf_counter()
		retries = 0
		with ProcessPoolExecutor(args.processes, mp_context=multiprocessing.get_context("spawn")) as pool:
			futures = [
				pool.submit(insert_share, args.site, str(bench / "sites"), run, customer.name, share)
				for share in shares
			]
			for future in futures:
				share_made, share_retries = future.result()
				retries += share_retries
				for kind, names in share_made.items():
					made[kind] += names
		burst = time.perf_counter() - start
		cpu_after = os.times()
		cpu = sum(cpu_after[:4]) - sum(cpu_before[:4])  # this process and its (finished) children
		frappe.db.rollback()
		flood = default.count - base
		deferred = waiting_saves(frappe)
		print(
			f"burst: {len(made['Lead'])} of {args.leads} leads + {len(made['Ticket'])} of {args.tickets}"
			f" tickets in {burst:.0f} s ({(args.leads + args.tickets) / burst:.1f}/s from {args.processes}"
			f" processes, a commit per record, {retries} deadlocks retried; {cpu:.0f} s CPU in them,"
			f" MariaDB's not counted); waiting: {deferred} saves' Workflow Actions and assignments"
			f" (Deferred Automation, for the job on `short`), {flood} jobs on `default`",
			flush=True,
		)

		job_type = frappe.get_doc("Scheduled Job Type", {"method": "crm_suite.service.jobs.check_sla"})
		job_type.enqueue(force=True)
		print(f"SLA check enqueued on `{job_type.get_queue_name()}`", flush=True)
		worker = subprocess.Popen(
			[sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "worker"],
			cwd=bench / "sites",
			stdout=subprocess.DEVNULL,
			stderr=subprocess.DEVNULL,
		)
		started = time.perf_counter()
		escalated = None
		while not escalated and time.perf_counter() - started < 600:
			time.sleep(0.2)
			frappe.db.rollback()
			escalated = frappe.db.get_value("Ticket", breached.name, "escalated_on")
		waited = time.perf_counter() - started
		frappe.db.rollback()
		print(
			f"SLA check escalated {waited:.1f} s after the worker started (worker start-up included);"
			f" still waiting then: {waiting_saves(frappe)} of {deferred} deferred saves,"
			f" {default.count - base} jobs on `default`"
			if escalated
			else "SLA check: not run in 600 s",
			flush=True,
		)
		sample_from, saves_from, jobs_from = time.perf_counter(), waiting_saves(frappe), default.count
		time.sleep(args.sample)
		frappe.db.rollback()
		elapsed = time.perf_counter() - sample_from
		saves_rate = (saves_from - waiting_saves(frappe)) / elapsed
		jobs_rate = (default.count - jobs_from) / elapsed
		print(
			f"one worker (all queues) over {args.sample} s: {saves_rate:.2f} deferred saves/s done"
			f" (about {deferred / saves_rate / 60:.0f} min for the burst's)"
			if saves_rate > 0
			else f"one worker over {args.sample} s: no deferred save done",
			f"; `default` grew by {jobs_rate:.2f} jobs/s (the notification jobs those saves queue, less those run)",
			flush=True,
		)
		load_after = os.getloadavg()
		print(f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after", flush=True)
	finally:
		if worker:
			worker.terminate()
			worker.wait(timeout=60)
		if queued_before is not None:  # only the burst's jobs: others' are left alone
			for job_id in set(default.job_ids) - queued_before:
				remove_job(default, job_id)
		frappe.db.rollback()
		names = made["Lead"] + made["Ticket"]
		like = f"burst-{run}-%"
		names += frappe.db.sql("select name from tabTicket where subject like %s", like, pluck=True)
		names += frappe.db.sql("select name from tabLead where email_id like %s", like, pluck=True)
		sql = frappe.db.sql
		if names:
			for start_at in range(0, len(names), 2000):
				chunk = names[start_at : start_at + 2000]
				delete_traces(chunk)
				sql("delete from tabLead where name in %(n)s", {"n": chunk})
				sql("delete from tabTicket where name in %(n)s", {"n": chunk})
				frappe.db.commit()
		sql("delete from `tabNotification Log` where for_user in %(u)s", {"u": users or [""]})
		sql("delete from `tabCustomer` where customer_name = %s", f"Burst {run}")
		frappe.db.commit()
		for user in users:
			frappe.delete_doc("User", user, force=True, ignore_permissions=True)
		frappe.db.commit()
		frappe.destroy()


if __name__ == "__main__":
	main()
