"""Benchmark: recompute the SLA status of 100,000 open tickets.

Run from the bench's sites folder:
    ../env/bin/python ../apps/crm_suite/benchmarks/service_sla.py SITE [N]

Data is generated set-based (MariaDB's sequence engine, one INSERT … SELECT) and removed afterwards.
Two figures are printed:
1. the scheduled job's path: `refresh_agreement_status` marks breaches Failed in one UPDATE;
2. a full recompute of every ticket's deadlines in business time (`recompute_open_tickets`: reads in
   chunks of 5,000, the arithmetic per ticket, bulk writes of the changed tickets), with the
   step count of the business-time functions (days and windows added to the agreement's timeline,
   binary searches on it) next to the number of business minutes they covered, which shows the
   calculation does not walk minute by minute.
"""

import sys
import time
from datetime import datetime

import frappe

from crm_suite.devserver import connect

PREFIX = "BENCH-TKT-"
SLA = "Benchmark SLA (service_sla.py)"
HOLIDAYS = "Benchmark Holidays (service_sla.py)"


def setup_sla():
	cleanup_sla()
	frappe.get_doc(
		{
			"doctype": "Service Holiday List",
			"holiday_list_name": HOLIDAYS,
			"holidays": [
				{"holiday_date": d} for d in ("2026-12-24", "2026-12-25", "2026-12-31", "2027-01-01")
			],
		}
	).insert(ignore_permissions=True)
	frappe.get_doc(
		{
			"doctype": "Service Level Agreement",
			"sla_name": SLA,
			"enabled": 1,
			"holiday_list": HOLIDAYS,
			"priorities": [
				{"priority": p, "response_time": r * 3600, "resolution_time": s * 3600}
				for p, r, s in (("Low", 8, 40), ("Medium", 4, 16), ("High", 2, 8), ("Urgent", 0.5, 4))
			],
			"service_hours": [
				{"weekday": d, "start_time": "08:00:00", "end_time": "12:00:00"}
				for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
			]
			+ [
				{"weekday": d, "start_time": "13:00:00", "end_time": "17:30:00"}
				for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
			],
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()


def cleanup_sla():
	for doctype, name in (("Service Level Agreement", SLA), ("Service Holiday List", HOLIDAYS)):
		if frappe.db.exists(doctype, name):
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
	frappe.db.commit()


def generate(n: int) -> None:
	frappe.db.sql(f"delete from `tabTicket` where name like '{PREFIX}%%'")
	frappe.db.sql(
		f"""insert into `tabTicket` (name, creation, modified, modified_by, owner, docstatus, idx,
			naming_series, subject, status, priority, opening_date, service_level_agreement,
			agreement_status, paused_minutes, first_responded_on)
		select concat('{PREFIX}', seq), now(6), now(6), 'Administrator', 'Administrator', 0, 0,
			'TKT-.YYYY.-', concat('Benchmark ticket ', seq),
			elt(1 + seq %% 2, 'Open', 'In Progress'),
			elt(1 + seq %% 4, 'Low', 'Medium', 'High', 'Urgent'),
			now() - interval (seq * 37 %% 43200) minute,
			%(sla)s, 'First Response Due', (seq %% 5) * 30,
			if(seq %% 2 = 1, now() - interval (seq * 37 %% 43200) minute + interval 20 minute, null)
		from seq_1_to_{n}""",
		{"sla": SLA},
	)
	frappe.db.commit()


def main(site: str, n: int) -> None:
	connect(site)
	from crm_suite.service.business_time import Steps
	from crm_suite.service.sla import get_targets, recompute_open_tickets, refresh_agreement_status

	try:
		setup_sla()
		t0 = time.perf_counter()
		generate(n)
		print(f"generated {n:,} open tickets set-based in {time.perf_counter() - t0:.2f} s")

		steps = Steps()
		t0 = time.perf_counter()
		done = recompute_open_tickets(sla=SLA, steps=steps, now=datetime.now())
		frappe.db.commit()
		full = time.perf_counter() - t0
		minutes = frappe.db.sql(
			f"""select sum(paused_minutes), sum(case priority when 'Low' then 2400 when 'Medium' then 960
				when 'High' then 480 else 240 end) from `tabTicket` where name like '{PREFIX}%%'"""
		)[0]
		covered = float(minutes[0] or 0) + float(
			minutes[1] or 0
		)  # one walk per ticket, up to its resolution target
		print(f"full recompute of deadlines + status for {done:,} tickets: {full:.2f} s")
		print(
			f"  business-time steps: {steps.total:,} ({steps.days:,} days + {steps.windows:,} windows added to the "
			f"agreement's timeline, {steps.lookups:,} binary searches), {steps.total / max(done, 1):.1f} per ticket"
		)
		print(
			f"  business minutes covered: {covered:,.0f} -> a minute-by-minute walk would need at least that many iterations"
		)
		print(f"  ratio minutes / iterations: {covered / max(steps.total, 1):,.0f}x")

		# Half the tickets are made overdue so the job's UPDATE has real work to do.
		frappe.db.sql(
			f"""update `tabTicket` set response_by = now() - interval 1 hour, agreement_status = 'First Response Due'
			where name like '{PREFIX}%%' and first_responded_on is null"""
		)
		frappe.db.commit()
		t0 = time.perf_counter()
		failed = refresh_agreement_status()
		frappe.db.commit()
		job = time.perf_counter() - t0
		print(
			f"scheduled status refresh (set-based UPDATE) over {n:,} open tickets: {job:.2f} s, {failed:,} marked Failed"
		)
		print(
			f"goal < 10 s: full recompute {'met' if full < 10 else 'NOT met'}, job refresh {'met' if job < 10 else 'NOT met'}"
		)
		assert get_targets(SLA, "Low") is not None
	finally:
		frappe.db.rollback()
		frappe.db.sql(f"delete from `tabTicket` where name like '{PREFIX}%%'")
		frappe.db.commit()
		cleanup_sla()
		frappe.destroy()


if __name__ == "__main__":
	main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100_000)
