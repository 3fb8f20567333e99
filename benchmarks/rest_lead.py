"""One REST lead at a time (issue 15: 30 ms median or less), then the deferred work those leads left.

Starts Frappe's production server (gunicorn, 2 workers by default) and has one client, a Sales User with
an API key, create N leads one after another (POST /api/resource/Lead; the first five warm the workers).
The duplicate check, the score, the "Lead Round Robin" Assignment Rule (the site's Sales Users; the
script adds two) and the Lead workflow are all on. Prints the median and p90 wall time per request, the gunicorn workers' CPU time
(user + system, from /proc) per request, and the load average.

Then it runs the job that the saves queued (crm_suite/utils/workflow_actions.py: Frappe's Workflow Actions
and Assignment Rule after the commit), as a worker would, prints its time per lead and checks the end
state: every lead assigned exactly once (one open ToDo, `_assign` set), the round robin alternating, one
open Workflow Action each, no row left waiting. Everything it made is deleted afterwards.

	cd ~/frappe-bench && env/bin/python apps/crm_suite/benchmarks/rest_lead.py --site SITE [--leads 200] [--workers 2]
		[--in-save]   # for comparison: Frappe's handlers in the save, as before
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rest_load import Fixture, percentile, post_lead  # noqa: E402

from crm_suite.devserver import connect, cpu_seconds, serve, server_pids  # noqa: E402


def main() -> None:
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--site", required=True)
	parser.add_argument("--leads", type=int, default=200)
	parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
	parser.add_argument(
		"--in-save",
		action="store_true",
		help="for comparison: Frappe's Workflow Actions and Assignment Rule in the save, as before"
		" (site config crm_sync_automation, set for the run and removed afterwards)",
	)
	args = parser.parse_args()

	from contextlib import ExitStack

	import requests
	from frappe.installer import update_site_config

	frappe = connect(args.site)
	run = frappe.generate_hash(length=6).lower()
	fixture = Fixture(frappe, run)
	fx: dict = {}
	server = ExitStack()  # the gunicorn `serve` starts, stopped in `finally`

	try:
		if args.in_save:
			update_site_config("crm_sync_automation", 1)
		fx = fixture.build()  # a Sales User (the round robin's), a Sales Manager, ...
		_seller, token = fixture.user(
			"Sales User", suffix="-caller"
		)  # the caller, the round robin's second user
		frappe.db.commit()
		sellers = sorted(frappe.get_all("Assignment Rule User", {"parent": "Lead Round Robin"}, pluck="user"))
		url = server.enter_context(
			serve(args.site, workers=args.workers, log_name=f"rest-lead-{run}", timeout=90)
		)
		workers = server_pids(url)[1:]  # gunicorn's workers, not its master

		session = requests.Session()
		headers = {"Host": args.site, "Accept": "application/json", "Authorization": token}
		times, names = [], []
		cpu_start = load_start = None
		for i in range(args.leads + 5):  # the first five warm both workers
			if i == 5:
				cpu_start, load_start = cpu_seconds(workers), os.getloadavg()[0]
			start = time.perf_counter()
			r = post_lead(session, url, headers, f"load-{run}-seq-{i}")
			names.append(r.json()["data"]["name"])
			if i >= 5:
				times.append((time.perf_counter() - start) * 1000)
		cpu = (cpu_seconds(workers) - cpu_start) * 1000 / args.leads
		load_end = os.getloadavg()[0]
		mode = "in the save (crm_sync_automation)" if args.in_save else "after the commit (the job)"
		print(f"Workflow Actions and Assignment Rule: {mode}")
		print(
			f"one client (a Sales User), {args.leads} REST lead creates one after another, gunicorn"
			f" {args.workers} workers: median {statistics.median(times):.1f} ms, p90 {percentile(times, 90):.1f} ms;"
			f" server CPU (user+sys) {cpu:.1f} ms per lead; load average {load_start:.1f} -> {load_end:.1f}",
			flush=True,
		)

		from crm_suite.utils import workflow_actions

		frappe.db.rollback()
		waiting = frappe.db.count(workflow_actions.QUEUE_DOCTYPE)
		started, cpu0 = time.perf_counter(), time.process_time()
		done = workflow_actions.run_pending(budget=3600)  # what the `short` worker does, in one go
		elapsed, job_cpu = time.perf_counter() - started, time.process_time() - cpu0
		print(
			f"deferred job: {done} saves ({waiting} were waiting) in {elapsed:.1f} s ="
			f" {elapsed * 1000 / max(done, 1):.1f} ms per save (job CPU {job_cpu * 1000 / max(done, 1):.1f} ms);"
			f" load average {os.getloadavg()[0]:.1f}",
			flush=True,
		)
		frappe.db.rollback()
		todos = Counter(
			frappe.get_all(
				"ToDo",
				{"reference_type": "Lead", "reference_name": ("in", names), "status": "Open"},
				pluck="reference_name",
			)
		)
		assigned = dict(frappe.get_all("Lead", {"name": ("in", names)}, ["name", "_assign"], as_list=True))
		actions = Counter(
			frappe.get_all(
				"Workflow Action",
				{"reference_doctype": "Lead", "reference_name": ("in", names), "status": "Open"},
				pluck="reference_name",
			)
		)
		owners = [frappe.parse_json(assigned[n] or "[]") for n in names]
		once = sum(1 for n in names if todos[n] == 1 and len(frappe.parse_json(assigned[n] or "[]")) == 1)
		got = Counter(o[0] for o in owners if o)
		fair = {user: got[user] for user in sellers}
		print(
			f"end state: assigned exactly once {once}/{len(names)}; open Workflow Action {sum(1 for n in names if actions[n] == 1)}/{len(names)};"
			f" per seller {dict(fair)} (round robin of {sellers}); left waiting {frappe.db.count(workflow_actions.QUEUE_DOCTYPE)}"
		)
		ok = (
			once == len(names)
			and all(actions[n] == 1 for n in names)
			and set(got) <= set(sellers)
			and max(fair.values()) - min(fair.values()) <= 1
		)
		print("RESULT:", "OK" if ok else "FAILED")
	finally:
		if args.in_save:
			update_site_config("crm_sync_automation", "None")  # removes the key
		server.close()
		fixture.cleanup(fx.get("opportunities", []), fx.get("portal_tickets", []))
		frappe.destroy()


if __name__ == "__main__":
	main()
