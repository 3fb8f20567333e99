"""The generated OpenAPI document, checked by schemathesis against a running server: whatever the fuzzer
sends (valid and invalid bodies, parameters, names), the server never answers with a 5xx."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import frappe

from crm_suite.api.openapi import app_doctypes
from crm_suite.devserver import serve
from tests.conftest import bench_path
from tests.integration.platform.helpers import API_ROLES, delete_records_owned_by

# Cases per operation and phase (the coverage phase adds its own boundary cases: about 13,000 requests).
MAX_EXAMPLES = int(os.environ.get("CRM_FUZZ_EXAMPLES", "4"))
# The fuzzer's threads and the gunicorn workers serving them: the cases are the same (fixed seed, each
# operation generated on its own), sent two at a time as production serves them.
FUZZ_WORKERS = int(os.environ.get("CRM_FUZZ_WORKERS", "2"))


def test_schemathesis_finds_no_server_errors(server, api_as, tmp_path):
	api = api_as(*API_ROLES)
	user = frappe.db.get_value("User", {"api_key": api.headers["Authorization"].split()[1].split(":")[0]})
	response = api.get("/api/method/crm_suite.api.openapi.get_openapi")
	assert response.status_code == 200, response.text
	spec = response.json()
	assert spec["paths"], "the document lists no operations"
	# Singles (settings) and the app's document methods are fuzzed like every other operation
	assert "/api/resource/CRM Settings/CRM Settings" in spec["paths"]
	assert "/api/method/run_doc_method" in spec["paths"]
	spec_file = tmp_path / "openapi.json"
	spec_file.write_text(json.dumps(spec))

	st = Path(sys.executable).with_name("st")
	command = [
		str(st),
		"run",
		str(spec_file),
		"-H",
		f"Host: {server.host}",
		"-H",
		f"Authorization: {api.headers['Authorization']}",
		"--checks",
		"not_a_server_error",
		"--phases",
		"examples,coverage,fuzzing",
		"--max-examples",
		str(MAX_EXAMPLES),
		"--seed",
		"20261123",
		"--workers",
		str(FUZZ_WORKERS),
		"--no-shrink",
		"--request-timeout",
		"30",
		"--suppress-health-check",
		"all",
		"--warnings",
		"off",
		# a destructive fuzz of the openapi endpoint itself is pointless and slow
		"--exclude-path-regex",
		"crm_suite.api.openapi",
	]
	tables = app_tables()
	snapshot(tables)
	try:
		with serve(server.host, workers=FUZZ_WORKERS, log_name="crm-suite-test-fuzz") as url:
			result = subprocess.run(
				[*command, "--url", url], capture_output=True, text=True, timeout=900, cwd=tmp_path
			)
	finally:
		delete_records_owned_by(user)
		restore(tables)
	log = bench_path() / "logs" / "crm-suite-schemathesis.log"
	log.write_text(result.stdout + result.stderr)
	assert result.returncode == 0, (
		f"schemathesis found server errors; full output in {log}\n" + result.stdout[-6000:]
	)
	assert "No issues found" in result.stdout
	# every operation of the document (those two included) was tested, not just loaded
	operations = sum(
		verb in ("get", "put", "post", "delete")
		for path, item in spec["paths"].items()
		if "crm_suite.api.openapi" not in path
		for verb in item
	)
	tested = re.search(r"Tested: (\d+)", result.stdout)
	assert tested and int(tested[1]) == operations, (
		f"{operations} operations, schemathesis: {tested and tested[0]}"
	)


def app_tables() -> list[str]:
	"""The app's DocType tables (children included): what the fuzzer may change or delete."""
	return [f"tab{dt.name}" for dt in app_doctypes() if not dt.issingle and not dt.is_virtual]


def app_singles() -> list[str]:
	"""The app's Singles: their values live in `tabSingles`, and the fuzzer updates them too."""
	return [dt.name for dt in app_doctypes() if dt.issingle]


def snapshot(tables: list[str]) -> None:
	"""The fuzzer updates and deletes whatever records it finds (masters included) as a manager would:
	copy the app's tables (and its Singles' values) first and put them back afterwards, so the site is
	left as found."""
	for table in [*tables, "tabSeries", "tabSingles"]:
		frappe.db.sql_ddl(f"drop table if exists `_fuzz_{table}`")
		frappe.db.sql_ddl(f"create table `_fuzz_{table}` like `{table}`")
	for table in [*tables, "tabSeries"]:
		frappe.db.sql(f"insert into `_fuzz_{table}` select * from `{table}`")
	frappe.db.sql(
		"insert into `_fuzz_tabSingles` select * from `tabSingles` where doctype in %s", [app_singles()]
	)
	# the Singles' passwords (webhook tokens, the WhatsApp secrets) live in __Auth
	frappe.db.sql_ddl("drop table if exists `_fuzz___Auth`")
	frappe.db.sql_ddl("create table `_fuzz___Auth` like `__Auth`")
	frappe.db.sql("insert into `_fuzz___Auth` select * from `__Auth` where doctype in %s", [app_singles()])
	frappe.db.commit()


def restore(tables: list[str]) -> None:
	frappe.db.rollback()
	for table in tables:
		frappe.db.sql(f"delete from `{table}`")
		frappe.db.sql(f"insert into `{table}` select * from `_fuzz_{table}`")
	frappe.db.sql("delete from `tabSingles` where doctype in %s", [app_singles()])
	frappe.db.sql("insert into `tabSingles` select * from `_fuzz_tabSingles`")
	frappe.db.sql("delete from `__Auth` where doctype in %s", [app_singles()])
	frappe.db.sql("insert into `__Auth` select * from `_fuzz___Auth`")
	# deleting the fuzzer's records moved naming series back (Frappe reverts a series when its last
	# document goes); never leave a counter below what the restored records used
	frappe.db.sql(
		"update `tabSeries` s join `_fuzz_tabSeries` b on b.name = s.name set s.current = greatest(s.current, b.current)"
	)
	frappe.db.commit()
	for table in [*tables, "tabSeries", "tabSingles", "__Auth"]:
		frappe.db.sql_ddl(f"drop table if exists `_fuzz_{table}`")
	frappe.clear_cache()
