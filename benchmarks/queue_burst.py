"""Queues under a burst of intake: does the 5-minute SLA check still run on time?

1. A burst: N leads and M tickets saved with the round robins on (a Sales User and a Support Agent are
   created), committed in chunks, as REST intake would; Frappe enqueues one assignment-notification job
   per record onto `default`.
2. The scheduler's own path enqueues the SLA check (its Scheduled Job Type) with a breached ticket
   waiting to be escalated, and one real RQ worker (`bench worker`, all queues) starts.
3. Prints how long the check took to escalate, how many notification jobs were still waiting then, and
   the rate at which the worker drains `default` (sampled for --sample seconds): the flood's drain time
   is what the check waited on `default` before (the SLA job queued behind the burst).

	cd ~/frappe-bench && env/bin/python apps/crm_suite/benchmarks/queue_burst.py --site SITE \
		[--leads 10000] [--tickets 2000] [--sample 60]

Everything it made is deleted afterwards and what is left of the burst's jobs is removed from `default`.
The bench's workers should be stopped while it runs (it counts the `default` queue).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time


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
	parser.add_argument("--sample", type=int, default=60, help="seconds of draining sampled")
	args = parser.parse_args()

	from pathlib import Path

	import frappe

	bench = Path(frappe.__file__).resolve().parents[3]
	os.chdir(bench / "sites")
	frappe.init(site=args.site, sites_path=str(bench / "sites"))
	frappe.connect()
	from frappe.utils.background_jobs import get_queue

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
		start = time.perf_counter()
		for i in range(args.leads):
			lead = frappe.get_doc(
				{
					"doctype": "Lead",
					"first_name": "Burst",
					"last_name": str(i),
					"email_id": f"burst-{run}-{i}@example.com",
				}
			).insert(ignore_permissions=True)
			made["Lead"].append(lead.name)
			if i % 200 == 199:
				frappe.db.commit()
		for i in range(args.tickets):
			ticket = frappe.get_doc(
				{"doctype": "Ticket", "subject": f"burst-{run}-{i}", "customer": customer.name}
			).insert(ignore_permissions=True)
			made["Ticket"].append(ticket.name)
			if i % 200 == 199:
				frappe.db.commit()
		frappe.db.commit()
		burst = time.perf_counter() - start
		flood = default.count - base
		print(
			f"burst: {args.leads} leads + {args.tickets} tickets in {burst:.0f} s"
			f" ({(args.leads + args.tickets) / burst:.1f}/s in one process); `default` holds {flood} jobs",
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
		left = default.count - base
		print(
			f"SLA check escalated {waited:.1f} s after the worker started (worker start-up included);"
			f" {left} of {flood} notification jobs still waiting"
			if escalated
			else "SLA check: not run in 600 s",
			flush=True,
		)
		sample_from, count_from = time.perf_counter(), default.count
		time.sleep(args.sample)
		drained = count_from - default.count
		rate = drained / (time.perf_counter() - sample_from)
		print(
			f"`default` drains at {rate:.2f} jobs/s with one worker ({drained} in {args.sample} s):"
			f" the whole burst takes about {flood / rate / 60:.0f} min, the wait the SLA check had behind it"
			f" on `default`"
			if rate
			else "`default` did not drain",
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
				actions = sql(
					"select name from `tabWorkflow Action` where reference_name in %(n)s",
					{"n": chunk},
					pluck=True,
				)
				if actions:
					sql(
						"delete from `tabWorkflow Action Permitted Role` where parent in %(a)s",
						{"a": actions},
					)
					sql("delete from `tabWorkflow Action` where name in %(a)s", {"a": actions})
				for table, column in (
					("ToDo", "reference_name"),
					("Comment", "reference_name"),
					("Version", "docname"),
					("Notification Log", "document_name"),
					("Stage History", "reference_name"),
					("DocShare", "share_name"),
				):
					if frappe.db.table_exists(table):
						sql(f"delete from `tab{table}` where `{column}` in %(n)s", {"n": chunk})
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
