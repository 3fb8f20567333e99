"""Benchmark: leads through Frappe's own Data Import, then the pass that finishes them.

Writes a CSV of N leads (5% of them repeat the email of a lead already on the site), makes the Data Import
document the desk would (reference Lead, Insert New Records, the CSV as a private File) and runs Frappe's
importer on it in this process, as its background job does (`frappe.core.doctype.data_import.importer.
Importer(...).import_data()`: every row validated and inserted through the document model, committed row by
row, one Data Import Log row each). Then runs the after-import pass (crm_suite/sales/import_pass.py:
duplicates, scores, round-robin assignment in chunks) and checks that every lead was finished and every
repeat flagged. Prints rows per second for both and the load average, then deletes everything it made.
With `--bulk` the Data Import has *Bulk Insert* ticked and runs the bulk path instead
(crm_suite/sales/bulk_import.py, what its background job runs: Frappe's ImportFile parses, rows are
validated in Python and inserted in chunks). Prints wall and CPU time (this process's, and the database
server's when its process is visible) with the load average. Run from the bench folder, on a developer
site only:

	env/bin/python apps/crm_suite/benchmarks/data_import_leads.py --site SITE [--rows 100000] [--bulk] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

from crm_suite.devserver import connect, cpu_seconds, database_pids

TAG = "bench-import"


def db_cpu() -> float | None:
	"""CPU seconds (user + system) of the MariaDB server so far, when it runs on this machine."""
	pids = database_pids()
	return cpu_seconds(pids) if pids else None


class Clock:
	"""Wall, this process's CPU and the database server's CPU between start and stop."""

	def __init__(self):
		self.wall, self.cpu, self.db = time.perf_counter(), time.process_time(), db_cpu()

	def stop(self) -> tuple[float, str]:
		wall = time.perf_counter() - self.wall
		cpu = time.process_time() - self.cpu
		db = db_cpu()
		db_text = f", database CPU {db - self.db:.1f} s" if db is not None and self.db is not None else ""
		return wall, f"(CPU: this process {cpu:.1f} s{db_text}; load {os.getloadavg()[0]:.2f})"


def seed_existing(frappe, count: int) -> list[str]:
	"""Leads already on the site that some imported rows repeat (inserted through the document model)."""
	emails = []
	for i in range(count):
		email = f"existing{i}@{TAG}.example.com"
		frappe.get_doc(
			{"doctype": "Lead", "first_name": "Existing", "last_name": str(i), "email_id": email}
		).insert(ignore_permissions=True)
		emails.append(email)
	frappe.db.commit()
	return emails


def write_csv(path: str, rows: int, repeats: list[str]) -> int:
	sources = ["Website", "Referral", "Cold Call", "Trade Show", "Social Media", "Partner"]
	repeated = 0
	with open(path, "w", newline="") as f:
		writer = csv.writer(f)
		writer.writerow(["First Name", "Last Name", "Email", "Organisation", "Job Title", "Source", "Phone"])
		for i in range(rows):
			if repeats and i % 20 == 7:  # 5% repeat an existing lead
				email = repeats[(i // 20) % len(repeats)]
				repeated += 1
			else:
				email = f"lead{i}@{TAG}.example.com"
			writer.writerow(
				[
					f"First{i}",
					f"Last{i}",
					email,
					f"Company {i % 5000}",
					"Buyer" if i % 3 else "CEO",
					sources[i % len(sources)],
					f"+1 212 555 {i % 10000:04d}" if i % 2 else "",
				]
			)
	return repeated


def cleanup(frappe, tag: str = TAG) -> None:
	"""Delete the leads of a run (email @<tag>.example.com), what their import and pass left, and the
	run's Data Imports and files (also used by bulk_import_concurrency.py)."""
	frappe.db.rollback()
	leads = f"select name from `tabLead` where email_id like '%%@{tag}.example.com'"
	frappe.db.sql(f"delete from `tabToDo` where reference_type = 'Lead' and reference_name in ({leads})")
	frappe.db.sql(f"delete from `tabLead Duplicate` where parent in ({leads})")
	frappe.db.sql(
		f"delete from `tabComment` where reference_doctype = 'Lead' and reference_name in ({leads})"
	)
	actions = f"select name from `tabWorkflow Action` where reference_doctype = 'Lead' and reference_name in ({leads})"
	frappe.db.sql(f"delete from `tabWorkflow Action Permitted Role` where parent in ({actions})")
	frappe.db.sql(
		f"delete from `tabWorkflow Action` where reference_doctype = 'Lead' and reference_name in ({leads})"
	)
	for table, column in (
		("Version", "docname"),
		("Stage History", "reference_name"),
		("Document Follow", "ref_docname"),
		("Notification Log", "document_name"),  # the pass's one per assignee and chunk names a lead
		("Webhook Request Log", "reference_document"),
	):
		frappe.db.sql(f"delete from `tab{table}` where {column} in ({leads})")
	frappe.db.sql(f"delete from `tabLead` where email_id like '%%@{tag}.example.com'")
	imports = frappe.get_all("Data Import", filters={"import_file": ["like", f"%{tag}%"]}, pluck="name")
	for name in imports:
		frappe.db.delete("Data Import Log", {"data_import": name})
		frappe.db.delete("Lead Import Chunk", {"data_import": name})  # the bulk path's progress rows
		frappe.db.delete("Data Import", {"name": name})
	for name in frappe.get_all("File", filters={"file_name": ["like", f"{tag}%"]}, pluck="name"):
		frappe.delete_doc("File", name, force=True, ignore_permissions=True)
	frappe.db.commit()


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--rows", type=int, default=100_000)
	parser.add_argument("--keep", action="store_true", help="leave the imported leads in place")
	parser.add_argument("--bulk", action="store_true", help="tick Bulk Insert (the bulk path)")
	args = parser.parse_args()
	frappe = connect(args.site)
	from frappe.core.doctype.data_import.importer import Importer

	from crm_suite.sales import bulk_import, import_pass

	cleanup(frappe)
	try:
		existing = seed_existing(frappe, 50)
		with tempfile.TemporaryDirectory() as folder:
			path = os.path.join(folder, f"{TAG}.csv")
			repeated = write_csv(path, args.rows, existing)
			file = frappe.get_doc(
				{
					"doctype": "File",
					"file_name": f"{TAG}-{args.rows}.csv",
					"content": Path(path).read_bytes(),
					"is_private": 1,
				}
			).insert(ignore_permissions=True)
		clock = Clock()  # saving the Data Import parses the file once (Frappe counts its rows)
		data_import = frappe.get_doc(
			{
				"doctype": "Data Import",
				"reference_doctype": "Lead",
				"import_type": "Insert New Records",
				"import_file": file.file_url,
				"mute_emails": 1,
				"crm_bulk_insert": 1 if args.bulk else 0,
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		saved, cpu = clock.stop()
		print(f"{args.rows:,} rows ({repeated:,} repeat an existing lead); Data Import {data_import.name}")
		print(f"save     {saved:8.1f} s  (the Data Import form's save: Frappe parses the file) {cpu}")

		clock = Clock()
		if args.bulk:
			bulk_import.run(data_import)
		else:
			Importer("Lead", data_import=data_import).import_data()
		imported, cpu = clock.stop()
		status = frappe.db.get_value("Data Import", data_import.name, "status")
		ok = frappe.db.count("Data Import Log", {"data_import": data_import.name, "success": 1})
		print(
			f"import   {imported:8.1f} s  {ok / imported:7.1f} rows/s  status {status}, {ok:,} rows in {cpu}"
		)

		clock = Clock()
		done = import_pass.run()
		passed, cpu = clock.stop()
		print(f"pass     {passed:8.1f} s  {done / max(passed, 1e-9):7.1f} leads/s  ({done:,} leads) {cpu}")
		total = saved + imported + passed
		print(
			f"total    {total:8.1f} s  {ok / total:7.1f} leads/s; 100,000 leads at this rate: {100_000 * total / max(ok, 1) / 60:.1f} min"
		)

		names = f"select docname from `tabData Import Log` where data_import = '{data_import.name}' and success = 1"
		pending = frappe.db.sql(
			f"select count(*) from `tabLead` where import_pending = 1 and name in ({names})"
		)[0][0]
		flagged = frappe.db.sql(
			f"select count(*) from `tabLead` where is_duplicate = 1 and name in ({names})"
		)[0][0]
		scored = frappe.db.sql(
			f"select count(*) from `tabLead` where score_updated_on is not null and name in ({names})"
		)[0][0]
		assigned = frappe.db.sql(
			f"select count(*) from `tabLead` where _assign like '[%%\"%%' and name in ({names})"
		)[0][0]
		print(
			f"check: {pending} pending, {flagged:,} flagged (expected >= {repeated:,}), {scored:,} scored, {assigned:,} assigned"
		)
	finally:
		print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
		if not args.keep:
			cleanup(frappe)
		frappe.destroy()
	return 0


if __name__ == "__main__":
	sys.exit(main())
