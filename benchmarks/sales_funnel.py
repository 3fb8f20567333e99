"""Benchmark: the Sales Funnel report on 1M leads and 300k opportunities, and leads created per second
through REST.

Generates the leads and opportunities with MariaDB's sequence engine (INSERT ... SELECT; names start with
BENCH-, so they are easy to find and remove), times the Sales Funnel report (its `execute` and the full
`frappe.desk.query_report.run`, warm, best of 5) with and without the report's default 12-month filter, then
starts a web server for the site on a free loopback port (gunicorn, 2 workers) and creates leads through
`POST /api/resource/Lead` from 4 client threads as a Sales User with token auth. Everything it made is
deleted at the end. Run from the bench folder, on a developer site only:

	cd ~/frappe-bench && env/bin/python apps/crm_suite/benchmarks/sales_funnel.py --site SITE

Options: --leads N, --opportunities N, --rest-requests N, --keep (leave the generated data),
--time-only (time the report again on kept data), --rest-only, --cleanup-only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from crm_suite.devserver import bench_folder, connect, give_api_key, make_user, serve

PREFIX = "BENCH-"
STATUSES = "'New','New','New','New','New','New','New','New','Contacted','Contacted','Contacted','Contacted','Qualified','Qualified','Qualified','Unqualified','Unqualified','Unqualified','Converted','Converted'"
SOURCES = (
	"'Website','Referral','Cold Call','Email Campaign','Trade Show','Social Media','Advertisement','Partner'"
)
STAGES = "'Prospecting','Qualification','Needs Analysis','Proposal','Negotiation'"
OWNERS = "'bench-owner-1@example.com','bench-owner-2@example.com','bench-owner-3@example.com','bench-owner-4@example.com','bench-owner-5@example.com'"


def timed(label: str, fn) -> float:
	start = time.perf_counter()
	fn()
	elapsed = time.perf_counter() - start
	print(f"{label:<62} {elapsed:8.2f} s", flush=True)
	return elapsed


def generate(frappe, leads: int, opportunities: int) -> None:
	sql = frappe.db.sql
	timed(
		f"generate {leads:,} leads (INSERT ... SELECT from seq)",
		lambda: sql(
			f"""insert into `tabLead` (name, creation, modified, owner, modified_by, docstatus, idx,
				naming_series, first_name, lead_name, email_id, status, lead_owner, source, lead_score,
				score_rule_points, converted_on)
			select concat('{PREFIX}LEAD-', lpad(seq, 7, '0')),
				now(6) - interval (seq % 365) day - interval (seq % 86400) second, now(6), 'Administrator', 'Administrator', 0, 0,
				'CRM-LEAD-.YYYY.-', concat('Bench ', seq), concat('Bench ', seq), concat('bench', seq, '@example.com'),
				elt(1 + seq % 20, {STATUSES}), elt(1 + seq % 5, {OWNERS}), elt(1 + (seq div 20) % 8, {SOURCES}),
				seq % 101, seq % 101, if(seq % 20 >= 18, now(6) - interval (seq % 300) day, null)
			from seq_1_to_{leads}"""
		),
	)
	timed(
		f"generate {opportunities:,} opportunities",
		lambda: sql(
			f"""insert into `tabOpportunity` (name, creation, modified, owner, modified_by, docstatus, idx,
				naming_series, title, lead, opportunity_owner, status, sales_stage, probability,
				expected_close_date, closed_on, lost_reason, currency, amount, weighted_amount, source)
			select concat('{PREFIX}OPP-', lpad(seq, 7, '0')),
				now(6) - interval (seq % 300) day, now(6), 'Administrator', 'Administrator', 0, 0,
				'CRM-OPP-.YYYY.-', concat('Bench deal ', seq), concat('{PREFIX}LEAD-', lpad(seq * 3, 7, '0')),
				elt(1 + seq % 5, {OWNERS}),
				elt(1 + seq % 10, 'Open','Open','Open','Open','Open','Open','Won','Won','Lost','Lost'),
				elt(1 + (seq div 10) % 5, {STAGES}),
				elt(1 + (seq div 10) % 5, 10, 20, 40, 60, 80),
				curdate() + interval (seq % 180) day,
				if(seq % 10 >= 6, curdate() - interval (seq % 200) day, null),
				if(seq % 10 >= 8, elt(1 + seq % 6, 'Price','Competitor','No Budget','No Decision','Timing','Product Fit'), null),
				'USD', 1000 + seq % 9000, (1000 + seq % 9000) * elt(1 + (seq div 10) % 5, 10, 20, 40, 60, 80) / 100,
				elt(1 + (seq div 20) % 8, {SOURCES})
			from seq_1_to_{opportunities}"""
		),
	)
	frappe.db.commit()
	timed("ANALYZE TABLE Lead, Opportunity", lambda: sql("analyze table `tabLead`, `tabOpportunity`"))


def best_of(fn, runs: int = 5) -> tuple[float, float]:
	times = []
	for _ in range(runs):
		start = time.perf_counter()
		fn()
		times.append(time.perf_counter() - start)
	return min(times), statistics.median(times)


def time_report(frappe) -> None:
	from frappe.desk.query_report import run

	from crm_suite.sales.report.sales_funnel import sales_funnel

	year = {
		"from_date": frappe.utils.add_months(frappe.utils.nowdate(), -12),
		"to_date": frappe.utils.nowdate(),
	}
	half = {**year, "from_date": frappe.utils.add_months(frappe.utils.nowdate(), -6)}
	best, median = best_of(lambda: frappe.db.sql("select status, count(*) from `tabLead` group by status"))
	print(
		f"baseline: plain GROUP BY status over all leads            best {best:6.3f} s   median {median:6.3f} s",
		flush=True,
	)
	rows = sales_funnel.funnel({})
	print("funnel (no filter):", ", ".join(f"{r['stage']} {r['count']:,}" for r in rows))
	for label, filters in (
		("no filter", {}),
		("last 12 months (the default)", year),
		("one owner, 12 months", {**year, "owner": "bench-owner-1@example.com"}),
		# a range that cuts through the data: the date condition is then compared on every index entry
		("last 6 months (cuts the data)", half),
	):
		best, median = best_of(lambda f=filters: sales_funnel.execute(f))
		print(f"Sales Funnel execute(), {label:<32} best {best:6.3f} s   median {median:6.3f} s", flush=True)
	best, median = best_of(lambda: run("Sales Funnel", filters=year, ignore_prepared_report=True))
	print(
		f"Sales Funnel query_report.run, last 12 months       best {best:6.3f} s   median {median:6.3f} s",
		flush=True,
	)
	for report in (
		"Lead Source Effectiveness",
		"Lead Conversion Time",
		"Pipeline Forecast",
		"Win Loss Analysis",
	):
		filters = year if report != "Pipeline Forecast" else {}
		best, median = best_of(
			lambda r=report, f=filters: run(r, filters=f, ignore_prepared_report=True), runs=3
		)
		print(f"{report + ' query_report.run':<52} best {best:6.3f} s   median {median:6.3f} s", flush=True)
	w = sales_funnel.funnel_where(year, "tabLead", "l", "lead_owner", "l.status")
	for line in frappe.db.sql(
		f"explain select l.status, count(*) from `tabLead` l where {w.sql} group by l.status",
		w.params,
		as_dict=True,
	):
		print("  explain funnel lead query, 12 months:", line.get("type"), line.get("key"), line.get("Extra"))


def rest_leads_per_second(frappe, bench: Path, site: str, requests_n: int) -> list[str]:
	import requests

	user = make_user(
		f"bench-rest-{frappe.generate_hash(length=6)}@example.com", "Sales User", first_name="Bench"
	)
	token = give_api_key(user)
	frappe.db.commit()

	headers = {"Host": site, "Accept": "application/json", "Authorization": f"token {token}"}
	names: list[str] = []
	try:
		with serve(site, workers=2, log_name="sales-benchmark") as url:
			port = url.rsplit(":", 1)[1]
			session = requests.Session()
			for i in range(5):  # warm-up (first requests load the code and the scoring model)
				r = session.post(
					f"{url}/api/resource/Lead",
					headers=headers,
					json={"first_name": f"Warm {i}", "email_id": f"warm-{i}-{port}@example.com"},
				)
				r.raise_for_status()
				names.append(r.json()["data"]["name"])

			retries = []

			def create(i: int) -> str:
				for _attempt in range(3):  # a client retries the rare InnoDB deadlock of concurrent inserts
					r = requests.post(
						f"{url}/api/resource/Lead",
						headers=headers,
						json={
							"first_name": "Rest",
							"last_name": f"Bench {i}",
							"company_name": f"Bench Co {i}",
							"email_id": f"rest-bench-{port}-{i}@example.com",
							"source": "Website",
						},
						timeout=60,
					)
					if r.status_code < 500:
						break
					retries.append(i)
				r.raise_for_status()
				return r.json()["data"]["name"]

			start = time.perf_counter()
			with ThreadPoolExecutor(max_workers=4) as pool:
				names += list(pool.map(create, range(requests_n)))
			elapsed = time.perf_counter() - start
			print(
				f"REST: {requests_n} POST /api/resource/Lead (4 client threads, gunicorn 2 workers) in {elapsed:.2f} s"
				f" = {requests_n / elapsed:.1f} leads/s ({len(retries)} retried after a 5xx)",
				flush=True,
			)
	finally:
		frappe.db.rollback()
		frappe.delete_doc("User", user.name, force=True, ignore_permissions=True)
		frappe.db.commit()
	return names


def delete_rest_leads(frappe, names: list[str]) -> None:
	if not names:
		return
	for table, column in (
		("ToDo", "reference_name"),
		("Workflow Action", "reference_name"),
		("Comment", "reference_name"),
		("Version", "docname"),
	):
		frappe.db.sql(f"delete from `tab{table}` where {column} in %s", [names])
	frappe.db.sql("delete from `tabLead` where name in %s", [names])
	frappe.db.commit()


def cleanup(frappe) -> None:
	def chunked(table: str, prefix: str):
		while True:
			frappe.db.sql(
				f"delete from `tab{table}` where name >= %s and name < %s limit 50000",
				(f"{PREFIX}{prefix}-", f"{PREFIX}{prefix}."),
			)
			frappe.db.commit()
			if not frappe.db.sql(
				f"select 1 from `tab{table}` where name >= %s and name < %s limit 1",
				(f"{PREFIX}{prefix}-", f"{PREFIX}{prefix}."),
			):
				break

	timed("delete generated opportunities", lambda: chunked("Opportunity", "OPP"))
	timed("delete generated leads", lambda: chunked("Lead", "LEAD"))
	from crm_suite.sales.scoring import MODEL_CACHE_KEY

	frappe.cache.delete_value(MODEL_CACHE_KEY)


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--leads", type=int, default=1_000_000)
	parser.add_argument("--opportunities", type=int, default=300_000)
	parser.add_argument("--rest-requests", type=int, default=300)
	parser.add_argument("--keep", action="store_true")
	parser.add_argument("--cleanup-only", action="store_true")
	parser.add_argument("--time-only", action="store_true", help="time the report on data left by --keep")
	parser.add_argument("--rest-only", action="store_true", help="only measure REST lead creation")
	args = parser.parse_args()
	frappe = connect(args.site)
	bench = bench_folder()
	if not frappe.conf.developer_mode:
		sys.exit("Run benchmarks on a developer site only (developer_mode is off).")
	if args.cleanup_only:
		cleanup(frappe)
		return
	if args.time_only:
		time_report(frappe)
		return
	if args.rest_only:
		delete_rest_leads(frappe, rest_leads_per_second(frappe, bench, args.site, args.rest_requests))
		return
	if frappe.db.sql(f"select 1 from `tabLead` where name like '{PREFIX}%%' limit 1"):
		cleanup(frappe)
	rest_names: list[str] = []
	try:
		generate(frappe, args.leads, args.opportunities)
		time_report(frappe)
		rest_names = rest_leads_per_second(frappe, bench, args.site, args.rest_requests)
	finally:
		delete_rest_leads(frappe, rest_names)
		if not args.keep:
			cleanup(frappe)
		frappe.destroy()


if __name__ == "__main__":
	main()
