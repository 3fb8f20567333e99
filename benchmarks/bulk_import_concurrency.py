"""Concurrency check of the bulk Lead import: two bulk imports at once while leads are saved one by one.

Starts three processes on the site: two run a bulk Data Import each (crm_suite/sales/bulk_import.py, N
rows, chunks of 500 so they interleave), the third saves leads through the document model (what a REST
POST runs) until both imports end. Then checks: both imports Success with one log row per row, every row
of each file once as a lead, every saved lead there, no name used twice, no process failed (a deadlock or
a lock wait timeout would fail it). Deletes what it made. Run from the bench folder:

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
	data_import_leads.cleanup(frappe, TAG)


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--rows", type=int, default=3000)
	args = parser.parse_args()
	frappe = connect(args.site)
	cleanup(frappe)
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
	print(f"wall {wall:.1f} s; load {os.getloadavg()[0]:.2f}; {'OK' if ok else 'FAILED'}")
	cleanup(frappe)
	frappe.destroy()
	return 0 if ok else 1


if __name__ == "__main__":
	sys.exit(main())
