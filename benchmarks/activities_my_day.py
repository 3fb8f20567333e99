"""Benchmark: My Day for a salesperson with 1,000 open activities among 1,000,000.

Generates set-based (MariaDB's sequence engine, INSERT ... SELECT) 2,000 leads (--leads), 1,000 customers and
1,000,000 CRM Activities: 1,000 open ones assigned to the benchmark's Sales User (spread over the last and
the next two weeks, on their leads and customers) and 999,000 assigned to 1,000 other (made-up) users,
open, done and cancelled. Then times `crm_suite.activities.my_day.get_my_day` in-process as that user
(warm, median and p95 of --runs), in two variants measured in the same run:
  1. CRM Settings' own-records option off (activities follow role permissions only);
  2. the option on (each activity list carries the readable-leads subquery of Frappe's list query).
Prints the load average next to each figure, EXPLAIN of the main activity query, and deletes everything
it made (--keep leaves it). Run from the bench folder, on a developer site only:

	cd ~/frappe-bench && env/bin/python apps/crm_suite/benchmarks/activities_my_day.py --site SITE [--runs 30]
"""

from __future__ import annotations

import argparse
import statistics
import time

from crm_suite.devserver import connect, make_user

PREFIX = "BENCHACT"
TOTAL = 1_000_000
MINE = 1_000
USER = f"{PREFIX.lower()}-seller@example.com"


def load() -> str:
	return open("/proc/loadavg").read().split()[0]


def cleanup(frappe) -> None:
	sql = frappe.db.sql
	sql("delete from `tabCRM Activity` where name like %s", f"{PREFIX}-%")
	sql("delete from `tabLead` where name like %s", f"{PREFIX}-%")
	sql("delete from `tabCustomer` where name like %s", f"{PREFIX}-%")
	if frappe.db.exists("User", USER):
		frappe.delete_doc("User", USER, force=True, ignore_permissions=True)
	frappe.db.commit()


def generate(frappe, leads: int) -> None:
	sql = frappe.db.sql
	common = "now(6), now(6), 'Administrator', 'Administrator', 0, 0"
	make_user(USER, "Sales User", first_name="Bench Seller")
	sql(
		f"""insert into `tabLead` (name, creation, modified, owner, modified_by, docstatus, idx, naming_series,
			first_name, lead_name, status, lead_owner, lead_score)
		select concat('{PREFIX}-L-', lpad(seq, 7, '0')), {common}, 'CRM-LEAD-.YYYY.-', 'Bench',
			concat('Bench Lead ', seq), 'New', if(seq <= 1000, %s, 'someone@example.com'), seq mod 100
		from seq_1_to_{leads}""",
		USER,
	)
	sql(
		f"""insert into `tabCustomer` (name, creation, modified, owner, modified_by, docstatus, idx,
			naming_series, customer_name, customer_type, customer_group, disabled, account_manager, churn_risk)
		select concat('{PREFIX}-C-', lpad(seq, 6, '0')), {common}, 'CUST-.YYYY.-', concat('Bench Customer ', seq),
			'Company', 'Commercial', 0, if(seq <= 50, %s, null), seq mod 7 = 0
		from seq_1_to_1000""",
		USER,
	)
	started = time.perf_counter()
	# seq 1..MINE: the seller's open activities, due from 14 days ago to 14 days ahead (one every ~40 min),
	# on their own leads (odd) and customers (even); the rest: 1,000 other users, 60 % done or cancelled.
	sql(
		f"""insert into `tabCRM Activity` (name, creation, modified, owner, modified_by, docstatus, idx,
			naming_series, activity_type, subject, status, due_on, ends_on, all_day, assigned_to,
			reference_doctype, reference_name, reference_title)
		select concat('{PREFIX}-', lpad(seq, 7, '0')), {common}, 'ACT-.YYYY.-',
			elt(1 + seq mod 4, 'Call', 'Meeting', 'Email', 'Task'), concat('Bench activity ', seq),
			if(seq <= {MINE} or seq mod 5 < 2, 'Open', if(seq mod 5 = 2, 'Cancelled', 'Done')),
			due, due + interval 30 minute, 0,
			if(seq <= {MINE}, %(user)s, concat('bench-user-', seq mod 1000, '@example.com')),
			if(seq mod 2, 'Lead', 'Customer'),
			if(seq mod 2, concat('{PREFIX}-L-', lpad(1 + seq mod 1000, 7, '0')),
				concat('{PREFIX}-C-', lpad(1 + seq mod 1000, 6, '0'))),
			concat('Bench record ', seq mod 1000)
		from (select seq, now() - interval 14 day + interval (seq mod {MINE}) * 40 minute as due
			from seq_1_to_{TOTAL}) s""",
		{"user": USER},
	)
	frappe.db.commit()
	print(f"generated {TOTAL:,} activities in {time.perf_counter() - started:.1f} s (load {load()})")
	sql("analyze table `tabCRM Activity`")


def timed(frappe, runs: int) -> tuple[float, float, dict]:
	from crm_suite.activities.my_day import get_my_day

	frappe.set_user(USER)
	get_my_day()  # warm
	times = []
	for _ in range(runs):
		frappe.db.rollback()  # a fresh snapshot each time, as a request has
		started = time.perf_counter()
		day = get_my_day()
		times.append((time.perf_counter() - started) * 1000)
	frappe.set_user("Administrator")
	times.sort()
	return statistics.median(times), times[int(0.95 * (len(times) - 1))], day


def main() -> None:
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--runs", type=int, default=30)
	parser.add_argument("--keep", action="store_true")
	parser.add_argument("--leads", type=int, default=2_000, help="leads on the site (the user owns 1,000)")
	args = parser.parse_args()
	frappe = connect(args.site)
	cleanup(frappe)
	try:
		generate(frappe, max(args.leads, 1_000))
		mine = frappe.db.count("CRM Activity", {"assigned_to": USER, "status": "Open"})
		print(f"open activities of the user: {mine:,} of {frappe.db.count('CRM Activity'):,} activities")
		for option in (0, 1):
			frappe.db.set_single_value("CRM Settings", "sales_users_see_own_records", option)
			frappe.db.commit()
			median, p95, day = timed(frappe, args.runs)
			label = "own-records option on " if option else "own-records option off"
			print(
				f"My Day, {label}: median {median:6.1f} ms  p95 {p95:6.1f} ms  (load {load()}; "
				f"overdue {day['overdue']['count']}, today {day['today']['count']}, "
				f"at-risk customers {day['at_risk_customers']['count']})"
			)
		frappe.set_user(USER)
		query = frappe.get_list(
			"CRM Activity",
			filters=[
				["assigned_to", "=", USER],
				["status", "=", "Open"],
				["due_on", "<", frappe.utils.nowdate()],
			],
			fields=["name"],
			order_by="due_on asc",
			limit_page_length=50,
			run=0,
		)
		frappe.set_user("Administrator")
		for row in frappe.db.sql(f"explain {query}", as_dict=True):
			print(f"  explain: {row.table} {row.type} key={row.key} rows={row.rows} {row.Extra or ''}")
	finally:
		frappe.db.set_single_value("CRM Settings", "sales_users_see_own_records", 0)
		frappe.db.commit()
		if not args.keep:
			cleanup(frappe)


if __name__ == "__main__":
	main()
