"""Benchmark: the RFM Segmentation report (summary) on 100,000 scored customers, with its permission rule.

Generates 100k customers with RFM scores, segments and loyalty tiers (MariaDB's sequence engine, one
INSERT ... SELECT), then times the report through `frappe.desk.query_report.run` (median of 7 runs after a
warm-up) for: Administrator; a Sales Manager (may read every Customer: Frappe's list query has no
condition, so the report needs no permission subquery); a Sales User restricted by a User Permission to
100 customers (the subquery applies). Deletes what it made. Run from the bench folder, on a developer
site only:

	env/bin/python apps/crm_suite/benchmarks/rfm_report.py --site SITE [--customers 100000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from crm_suite.devserver import connect

PREFIX = "BENCHRFM"


def generate(frappe, customers: int) -> None:
	from crm_suite.analytics.rfm import SEGMENTS

	segments = ", ".join(frappe.db.escape(s) for s in SEGMENTS)
	frappe.db.sql(
		f"""INSERT INTO `tabCustomer` (name, creation, modified, owner, modified_by, docstatus, idx,
			naming_series, customer_name, customer_type, customer_group, disabled, rfm_segment, r_score,
			f_score, m_score, recency_days, frequency, monetary, loyalty_tier, churn_risk, clv_estimate)
		SELECT CONCAT('{PREFIX}-', LPAD(seq, 7, '0')), NOW(6), NOW(6), 'Administrator', 'Administrator',
			0, 0, 'CUST-.YYYY.-', CONCAT('Bench RFM customer ', seq), 'Company', 'Commercial', 0,
			ELT(1 + CRC32(CONCAT('s', seq)) % {len(SEGMENTS)}, {segments}),
			1 + seq % 5, 1 + (seq DIV 5) % 5, 1 + (seq DIV 25) % 5, CRC32(CONCAT('r', seq)) % 365,
			1 + CRC32(CONCAT('f', seq)) % 20, CRC32(CONCAT('m', seq)) % 100000 / 10,
			ELT(1 + seq % 4, 'Bronze', 'Silver', 'Gold', 'Platinum'), seq % 7 = 0,
			CRC32(CONCAT('c', seq)) % 50000
		FROM seq_1_to_{customers}"""
	)
	frappe.db.commit()


def make_user(frappe, email: str, role: str, customers: list[str] | None = None) -> str:
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
	for name in customers or []:
		frappe.get_doc(
			{"doctype": "User Permission", "user": email, "allow": "Customer", "for_value": name}
		).insert(ignore_permissions=True)
	frappe.db.commit()
	return email


def cleanup(frappe, users: list[str]) -> None:
	frappe.set_user("Administrator")
	for user in users:
		frappe.db.delete("User Permission", {"user": user})
		if frappe.db.exists("User", user):
			frappe.delete_doc("User", user, force=True, ignore_permissions=True)
	frappe.db.sql(f"DELETE FROM `tabCustomer` WHERE name LIKE '{PREFIX}-%%'")
	frappe.db.commit()


def time_report(frappe, user: str, runs: int = 7) -> tuple[float, int]:
	from frappe.desk.query_report import run

	frappe.set_user(user)
	run("RFM Segmentation", filters={})  # warm-up
	times, customers = [], 0
	for _ in range(runs):
		start = time.perf_counter()
		out = run("RFM Segmentation", filters={})
		times.append(time.perf_counter() - start)
		customers = sum(r["customers"] for r in out["result"])
	frappe.set_user("Administrator")
	return statistics.median(times), customers


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--customers", type=int, default=100_000)
	args = parser.parse_args()
	frappe = connect(args.site)
	users = ["bench.rfm.manager@example.com", "bench.rfm.seller@example.com"]
	try:
		cleanup(frappe, users)
		start = time.perf_counter()
		generate(frappe, args.customers)
		print(f"generated {args.customers:,} scored customers in {time.perf_counter() - start:.1f} s")
		restricted = frappe.get_all(
			"Customer", filters={"name": ["like", f"{PREFIX}-%"]}, pluck="name", limit=100
		)
		cases = [
			("Administrator", "Administrator"),
			("Sales Manager (every Customer)", make_user(frappe, users[0], "Sales Manager")),
			("Sales User, User Permission on 100", make_user(frappe, users[1], "Sales User", restricted)),
		]
		for label, user in cases:
			median, seen = time_report(frappe, user)
			print(f"{label:<40} median {median * 1000:8.1f} ms   {seen:>9,} customers in the summary")
	finally:
		print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
		cleanup(frappe, users)
		frappe.destroy()
	return 0


if __name__ == "__main__":
	sys.exit(main())
