"""Concurrency check of the bulk Lead import: two bulk imports at once while leads are saved one by one.

Starts three processes on the site: two run a bulk Data Import each (crm_suite/sales/bulk_import.py, N
rows, chunks of 500 so they interleave), the third saves leads through the document model (what a REST
POST runs) until both imports end. Then checks: both imports Success with one log row per row, every row
of each file once as a lead, every saved lead there, no name used twice, no process failed (a deadlock or
a lock wait timeout would fail it). With the site's workers running (`bench worker` on `long` and `short`:
the import pass and the deferred-automation job then run beside the imports and the saves), it waits for
both to finish and checks every lead scored and assigned once (one ToDo), no Error Log and no deadlock of
this site's database in `SHOW ENGINE INNODB STATUS` since the start (`--status-login USER:PASSWORD`: an
account with the PROCESS privilege) (the server's latest one is shown; a
later deadlock of another database would hide one of this site's, so run it on a quiet server).
Deletes what it made. Run from the bench folder:

	env/bin/python apps/crm_suite/benchmarks/bulk_import_concurrency.py --site SITE [--rows 3000]
"""

from __future__ import annotations

import argparse
import csv
import io
import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import data_import_leads  # noqa: E402

from crm_suite.devserver import connect  # noqa: E402

TAG = "bench-concurrency"


def make_import(frappe, label: str, rows: int) -> str:
	content = io.StringIO()
	writer = csv.writer(content)
	writer.writerow(["First Name", "Last Name", "Email", "Organisation"])
	for i in range(rows):
		writer.writerow([f"{label}{i}", "Concurrent", f"{label.lower()}{i}@{TAG}.example.com", f"Org {i}"])
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"{TAG}-{label}.csv",
			"content": content.getvalue().encode(),
			"is_private": 1,
		}
	).insert(ignore_permissions=True)
	data_import = frappe.get_doc(
		{
			"doctype": "Data Import",
			"reference_doctype": "Lead",
			"import_type": "Insert New Records",
			"import_file": file.file_url,
			"crm_bulk_insert": 1,
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	return data_import.name


def run_import(site: str, name: str, result) -> None:
	frappe = connect(site)
	from crm_suite.sales import bulk_import

	try:
		result[name] = bulk_import.run(frappe.get_doc("Data Import", name), chunk=500)
	except Exception as e:
		result[name] = f"failed: {e!r}"
	finally:
		frappe.destroy()


def save_leads(site: str, stop, result) -> None:
	frappe = connect(site)
	saved, errors = 0, []
	while not stop.is_set():
		try:
			frappe.get_doc(
				{
					"doctype": "Lead",
					"first_name": "Saved",
					"last_name": str(saved),
					"email_id": f"saved{saved}@{TAG}.example.com",
				}
			).insert()
			frappe.db.commit()
			saved += 1
		except Exception as e:
			frappe.db.rollback()
			errors.append(repr(e))
	result["saved"], result["save_errors"] = saved, errors
	frappe.destroy()


def cleanup(frappe) -> None:
	frappe.db.sql(
		f"""delete from `tabDeferred Automation` where reference_doctype = 'Lead' and reference_name in
		(select name from `tabLead` where email_id like '%%@{TAG}.example.com')"""
	)
	data_import_leads.cleanup(frappe, TAG)
	frappe.db.commit()


def latest_deadlock(frappe, login: str | None) -> str:
	"""The server's latest detected deadlock: its time line and the databases it names (empty if none).
	`login` (USER:PASSWORD) is a MariaDB account with the PROCESS privilege, which a site's user lacks."""
	if login:
		import pymysql

		user, _, password = login.partition(":")
		conn = pymysql.connect(
			host=frappe.conf.db_host or "127.0.0.1",
			port=int(frappe.conf.db_port or 3306),
			user=user,
			password=password,
		)
		with conn.cursor() as cursor:
			cursor.execute("show engine innodb status")
			status = cursor.fetchone()[2]
		conn.close()
	else:
		status = frappe.db.sql("show engine innodb status")[0][2]
	if "LATEST DETECTED DEADLOCK" not in status:
		return ""
	section = status.split("LATEST DETECTED DEADLOCK")[1].split("TRANSACTIONS\n")[0]
	lines = [line for line in section.splitlines() if line and not line.startswith("-")]
	return lines[0].strip() + (" (this site)" if frappe.conf.db_name in section else " (another database)")


def wait_for_jobs(frappe, timeout: float = 600) -> bool:
	"""Until no lead of the run waits for the pass nor for the deferred job (the workers run them)."""
	deadline = time.monotonic() + timeout
	while time.monotonic() < deadline:
		frappe.db.rollback()
		pending = frappe.db.sql(
			f"""select (select count(*) from `tabLead` where import_pending = 1
				and email_id like '%%@{TAG}.example.com')
			+ (select count(*) from `tabDeferred Automation` where reference_doctype = 'Lead')"""
		)[0][0]
		if not pending:
			return True
		time.sleep(1)
	return False


def end_state(frappe, since) -> tuple[bool, str]:
	"""Every lead of the run scored and assigned once (when the round robin has users), no Error Log."""
	leads = f"from `tabLead` where email_id like '%%@{TAG}.example.com'"
	unscored = frappe.db.sql(f"select count(*) {leads} and score_updated_on is null")[0][0]
	assign = frappe.db.exists(
		"Assignment Rule", {"name": "Lead Round Robin", "disabled": 0}
	) and frappe.db.count("Assignment Rule User", {"parent": "Lead Round Robin"})
	todos = frappe.db.sql(
		f"""select count(*), sum(n = 1) from (select l.name, count(t.name) n from `tabLead` l
		left join `tabToDo` t on t.reference_type = 'Lead' and t.reference_name = l.name
		where l.email_id like '%%@{TAG}.example.com' group by l.name) x"""
	)[0]
	errors = frappe.get_all("Error Log", filters={"creation": [">=", since]}, pluck="method")
	ok = not unscored and not errors and (not assign or todos[0] == todos[1])
	return ok, (
		f"unscored {unscored}; assigned once {int(todos[1] or 0):,} of {todos[0]:,}"
		f"{'' if assign else ' (no round robin)'}; Error Logs {len(errors)} {sorted(set(errors))[:3]}"
	)


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--rows", type=int, default=3000)
	parser.add_argument(
		"--status-login", help="USER:PASSWORD of a MariaDB account with PROCESS (INNODB STATUS)"
	)
	args = parser.parse_args()
	frappe = connect(args.site)
	cleanup(frappe)
	before = latest_deadlock(frappe, args.status_login)
	since = frappe.utils.now_datetime()
	imports = [make_import(frappe, label, args.rows) for label in ("A", "B")]
	manager = multiprocessing.Manager()
	result, stop = manager.dict(), manager.Event()
	start = time.perf_counter()
	saver = multiprocessing.Process(target=save_leads, args=(args.site, stop, result))
	saver.start()
	workers = [multiprocessing.Process(target=run_import, args=(args.site, n, result)) for n in imports]
	for w in workers:
		w.start()
	for w in workers:
		w.join()
	stop.set()
	saver.join()
	wall = time.perf_counter() - start
	finished = wait_for_jobs(frappe)
	jobs_wall = time.perf_counter() - start
	frappe.db.rollback()
	ok = True
	for label, name in zip(("A", "B"), imports, strict=True):
		logs = frappe.db.count("Data Import Log", {"data_import": name, "success": 1})
		leads = frappe.db.sql(
			f"select count(*), count(distinct email_id) from `tabLead` where email_id like '{label.lower()}%%@{TAG}.example.com'"
		)[0]
		good = result.get(name) == "Success" and logs == args.rows and tuple(leads) == (args.rows, args.rows)
		ok &= good
		print(
			f"import {label}: {result.get(name)}, {logs:,} logs, {leads[0]:,} leads ({leads[1]:,} distinct)"
		)
	saved = frappe.db.count("Lead", {"email_id": ["like", f"saved%@{TAG}.example.com"]})
	errors = result.get("save_errors") or []
	ok &= saved == result.get("saved") and not errors
	print(f"saved one by one meanwhile: {result.get('saved')} ({saved} found), errors: {errors[:3]}")
	good, state = end_state(frappe, since)
	ok &= finished and good
	print(f"pass and deferred job {'done' if finished else 'NOT done'} after {jobs_wall:.1f} s: {state}")
	after = latest_deadlock(frappe, args.status_login)
	deadlock = after if after != before and "(this site)" in after else ""
	ok &= not deadlock
	print(f"latest deadlock: {after or 'none'}{' NEW, this site' if deadlock else ''}")
	print(f"wall {wall:.1f} s; load {os.getloadavg()[0]:.2f}; {'OK' if ok else 'FAILED'}")
	cleanup(frappe)
	frappe.destroy()
	return 0 if ok else 1


if __name__ == "__main__":
	sys.exit(main())
