"""Benchmark: the RFM Segmentation report (summary) on 100,000 scored customers, with its permission rule.

Seeds 100k customers with RFM scores, segments, loyalty tiers and territories (MariaDB's sequence engine,
one INSERT ... SELECT; kept on the site for the next run, `--cleanup` removes them), then times the report
through `frappe.desk.query_report.run` (median of `--runs` runs after a warm-up) for:

- a CRM Manager (may read every Customer: Frappe's list query has no condition);
- a Sales User with a User Permission on 100 customers;
- a Sales User with a User Permission on one Territory (a quarter of the customers).

Each line gives the wall time (median), the Python process' CPU time per run (user+sys) and the rows
MariaDB's handlers read per run (Handler_read_*: what the plan touches, independent of the load), and the
load average. Run from the bench folder, on a developer site only:

	env/bin/python apps/crm_suite/benchmarks/rfm_report.py --site SITE [--customers 100000] [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from crm_suite.devserver import connect

PREFIX = "BENCHRFM"
TERRITORIES = ("North America", "Europe", "Asia Pacific", "Rest of World")
USERS = {
	"manager": "bench.rfm.manager@example.com",
	"seller": "bench.rfm.seller@example.com",
	"territory": "bench.rfm.territory@example.com",
}


def seeded(frappe) -> int:
	return frappe.db.sql(f"SELECT COUNT(*) FROM `tabCustomer` WHERE name LIKE '{PREFIX}-%%'")[0][0]


def generate(frappe, customers: int) -> None:
	from crm_suite.analytics.rfm import SEGMENTS

	for territory in TERRITORIES:
		if not frappe.db.exists("Territory", territory):
			frappe.get_doc({"doctype": "Territory", "territory_name": territory}).insert(
				ignore_permissions=True
			)
	segments = ", ".join(frappe.db.escape(s) for s in SEGMENTS)
	territories = ", ".join(frappe.db.escape(t) for t in TERRITORIES)
	# one set-based INSERT ... SELECT over MariaDB's sequence engine (100k rows in seconds)
	frappe.db.sql(
		f"""INSERT INTO `tabCustomer` (name, creation, modified, owner, modified_by, docstatus, idx,
			naming_series, customer_name, customer_type, customer_group, territory, disabled, rfm_segment,
			r_score, f_score, m_score, recency_days, frequency, monetary, loyalty_tier, churn_risk, clv_estimate)
		SELECT CONCAT('{PREFIX}-', LPAD(seq, 7, '0')), NOW(6), NOW(6), 'Administrator', 'Administrator',
			0, 0, 'CUST-.YYYY.-', CONCAT('Bench RFM customer ', seq), 'Company', 'Commercial',
			ELT(1 + seq % {len(TERRITORIES)}, {territories}), 0,
			ELT(1 + CRC32(CONCAT('s', seq)) % {len(SEGMENTS)}, {segments}),
			1 + seq % 5, 1 + (seq DIV 5) % 5, 1 + (seq DIV 25) % 5, CRC32(CONCAT('r', seq)) % 365,
			1 + CRC32(CONCAT('f', seq)) % 20, CRC32(CONCAT('m', seq)) % 100000 / 10,
			ELT(1 + seq % 4, 'Bronze', 'Silver', 'Gold', 'Platinum'), seq % 7 = 0,
			CRC32(CONCAT('c', seq)) % 50000
		FROM seq_1_to_{customers}"""
	)
	frappe.db.sql("ANALYZE TABLE `tabCustomer`")
	frappe.db.commit()


def make_user(frappe, email: str, role: str, allow: str | None = None, values: list[str] = ()) -> str:
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": "Bench",
				"send_welcome_email": 0,
				"roles": [{"role": role}],
			}
		).insert(ignore_permissions=True)
	if allow and not frappe.db.exists("User Permission", {"user": email, "allow": allow}):
		for name in values:
			frappe.get_doc(
				{"doctype": "User Permission", "user": email, "allow": allow, "for_value": name}
			).insert(ignore_permissions=True)
	frappe.db.commit()
	return email


def cleanup(frappe) -> None:
	frappe.set_user("Administrator")
	for user in USERS.values():
		frappe.db.delete("User Permission", {"user": user})
		if frappe.db.exists("User", user):
			frappe.delete_doc("User", user, force=True, ignore_permissions=True)
	frappe.db.sql(f"DELETE FROM `tabCustomer` WHERE name LIKE '{PREFIX}-%%'")
	frappe.db.commit()


def handler_reads(frappe) -> int:
	rows = frappe.db.sql("SHOW SESSION STATUS LIKE 'Handler_read%%'")
	return sum(int(value) for _name, value in rows)


def time_report(frappe, user: str, runs: int) -> dict:
	from frappe.desk.query_report import run

	frappe.set_user(user)
	run("RFM Segmentation", filters={})  # warm-up
	times, cpu, reads, customers = [], [], [], 0
	for _ in range(runs):
		before_reads = handler_reads(frappe)
		start, start_cpu = time.perf_counter(), time.process_time()
		out = run("RFM Segmentation", filters={})
		times.append(time.perf_counter() - start)
		cpu.append(time.process_time() - start_cpu)
		reads.append(handler_reads(frappe) - before_reads - 1)  # the SHOW itself reads one row set
		customers = sum(r["customers"] for r in out["result"])
	frappe.set_user("Administrator")
	return {
		"median": statistics.median(times),
		"min": min(times),
		"cpu": statistics.median(cpu),
		"reads": statistics.median(reads),
		"customers": customers,
	}


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--customers", type=int, default=100_000)
	parser.add_argument("--runs", type=int, default=15)
	parser.add_argument(
		"--cleanup", action="store_true", help="remove the seeded customers and users, then exit"
	)
	args = parser.parse_args()
	frappe = connect(args.site)
	try:
		if args.cleanup:
			cleanup(frappe)
			print("removed the benchmark's customers and users")
			return 0
		if seeded(frappe) != args.customers:
			cleanup(frappe)
			start = time.perf_counter()
			generate(frappe, args.customers)
			print(f"seeded {args.customers:,} scored customers in {time.perf_counter() - start:.1f} s")
		else:
			print(f"using the {args.customers:,} customers seeded earlier")
		first_100 = frappe.db.sql_list(
			f"SELECT name FROM `tabCustomer` WHERE name LIKE '{PREFIX}-%%' ORDER BY name LIMIT 100"
		)
		cases = [
			("CRM Manager (every Customer)", make_user(frappe, USERS["manager"], "CRM Manager")),
			(
				"Sales User, User Permission on 100",
				make_user(frappe, USERS["seller"], "Sales User", "Customer", first_100),
			),
			(
				"Sales User, User Permission on 1 Territory",
				make_user(frappe, USERS["territory"], "Sales User", "Territory", [TERRITORIES[0]]),
			),
		]
		print(f"{'caller':<44}{'median':>10}{'min':>10}{'CPU/run':>10}{'rows read':>11}{'customers':>11}")
		for label, user in cases:
			r = time_report(frappe, user, args.runs)
			print(
				f"{label:<44}{r['median'] * 1000:>7.1f} ms{r['min'] * 1000:>7.1f} ms{r['cpu'] * 1000:>7.1f} ms"
				f"{r['reads']:>11,}{r['customers']:>11,}"
			)
	finally:
		print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
		frappe.destroy()
	return 0


if __name__ == "__main__":
	sys.exit(main())
