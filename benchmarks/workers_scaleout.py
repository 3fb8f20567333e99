"""Benchmark: the nightly long jobs on 1 RQ worker and on 4, wall time until the long queue is done.

The nightly set is what the scheduler queues on the `long` queue each night (scheduler_events daily_long):
RFM and loyalty scores, the association rules, and the lead scores, which queue one job per chunk of open
leads (crm_suite.sales.scoring.update_lead_scores). With one worker they run one after the other; with
four, the RFM and basket statements run beside the scoring chunks. Each variant runs on the same data, in
one run, one after the other (the second variant finds the scores the first wrote: the jobs rewrite them
all, so the work is the same).

Nothing here touches the site's own database or Redis: the script starts a MariaDB and a Redis of its own
(tests/integration/resilience/lab.py, as the resilience tests do), loads a copy of SITE's database there,
fills it with the large demo (`crm-suite demo --scale large`: 100k leads, 20k customers, ~90k orders,
25k tickets) and stops and deletes all of it at the end. Run from the bench folder:

	env/bin/python apps/crm_suite/benchmarks/workers_scaleout.py --site SITE [--workers 1,4] [--scale large]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the app root: tests.integration.resilience

NIGHTLY = (
	"crm_suite.analytics.rfm.run_nightly",
	"crm_suite.analytics.basket.run_scheduled",
	"crm_suite.sales.scoring.update_lead_scores",
)
TASKS = "tests.integration.resilience.lab_tasks"


def loadavg() -> str:
	return open("/proc/loadavg").read().split()[0]


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True, help="the site whose database (schema, fixtures) is copied")
	parser.add_argument("--workers", default="1,4", help="worker counts to compare, e.g. 1,4")
	parser.add_argument("--scale", default="large", choices=("small", "large"))
	parser.add_argument("--buffer-pool", default="2G", help="the lab MariaDB's innodb_buffer_pool_size")
	args = parser.parse_args()

	import frappe
	import redis
	from frappe.utils.background_jobs import generate_qname
	from rq import Queue
	from rq.registry import FailedJobRegistry, FinishedJobRegistry, StartedJobRegistry

	from tests.integration.resilience import lab

	bench_dir = Path(frappe.__file__).resolve().parents[3]
	os.chdir(bench_dir / "sites")
	frappe.init(site=args.site, sites_path=".")
	conf = dict(frappe.conf)
	root = Path(tempfile.mkdtemp(prefix="crm-scaleout-"))
	mariadb = redis_server = bench = None
	try:
		template = lab.install_mariadb_template(root / "template")
		mariadb = lab.MariaDB(
			root / "mariadb", template, extra=[f"--innodb-buffer-pool-size={args.buffer_pool}"]
		).start()
		redis_server = lab.Redis(root / "redis").start()
		bench = lab.LabBench(root / "bench", mariadb, redis_server)
		dump = lab.dump_site_database(conf, root / "site.sql")
		site = "scaleout.localhost"
		bench.add_site(site, "scaleout", dump, conf)
		started = time.monotonic()
		bench.bench("crm-suite", "demo", "--seed", "1", "--scale", args.scale, "--skip-nightly", site=site)
		bench.execute(site, "crm_suite.analytics.order_summary.rebuild_order_summaries")
		print(f"data: {args.scale} demo in {time.monotonic() - started:.0f} s (load {loadavg()})")
		counts = mariadb.sql(
			"""SELECT (SELECT COUNT(*) FROM tabLead WHERE status IN ('New', 'Contacted', 'Qualified')),
				(SELECT COUNT(*) FROM tabCustomer), (SELECT COUNT(*) FROM `tabSales Order`)""",
			database="scaleout",
		)[0]
		print(f"open leads {counts[0]:,}, customers {counts[1]:,}, sales orders {counts[2]:,}")

		conn = redis.from_url(redis_server.url)
		queue = Queue(generate_qname("long"), connection=conn)

		def idle() -> bool:
			return queue.count == 0 and StartedJobRegistry(queue=queue).count == 0

		for n in [int(x) for x in args.workers.split(",")]:
			FinishedJobRegistry(queue=queue).cleanup(time.time() + 10**6)
			workers = bench.workers(n)
			time.sleep(15)  # the workers import Frappe before taking jobs: not part of the night's work
			load_before = loadavg()
			started = time.monotonic()
			for method in NIGHTLY:
				assert bench.execute(site, f"{TASKS}.enqueue_scheduled", method=method)
			while True:
				if idle():
					time.sleep(1)
					if idle():
						break
				time.sleep(0.2)
			seconds = time.monotonic() - started - 1
			for worker in workers:
				bench.kill(worker)
			failed = FailedJobRegistry(queue=queue).count
			jobs = FinishedJobRegistry(queue=queue).count
			print(
				f"{n} worker(s): nightly long jobs done in {seconds:.1f} s ({jobs} jobs, {failed} failed; "
				f"load before {load_before}, after {loadavg()})"
			)
	finally:
		if bench:
			bench.stop_all()
		if redis_server:
			redis_server.stop()
		if mariadb:
			mariadb.stop()
		shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
	main()
