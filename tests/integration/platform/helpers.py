"""Shared helpers for the platform tests."""

import os
import shutil
import subprocess
from pathlib import Path

import frappe

from crm_suite.api.openapi import app_doctypes

# No Sales User / Support Agent: those join the round-robin assignment rules, which keep pointing at a
# deleted user (`last_user`) after the test removes it.
API_ROLES = ("CRM Manager", "Sales Manager", "Support Manager", "Marketing Manager")
# Core records a user's actions leave behind (conversion makes contacts and addresses, sending mail makes
# communications and queue entries).
CORE_DOCTYPES = ("Contact", "Address", "ToDo", "Communication", "Email Queue", "Notification Log", "File")
E2E = Path(__file__).resolve().parents[2] / "e2e"
CHROMIUM = os.environ.get("CRM_E2E_CHROMIUM", "/usr/bin/chromium")
LOG_DOCTYPES = ("Version", "Comment", "Activity Log", "Deleted Document", "Error Log", "Access Log")


def delete_records_owned_by(user: str) -> None:
	"""Remove everything a test user created through the live server (the server committed it)."""
	frappe.db.rollback()
	frappe.set_user("Administrator")
	doctypes = [dt.name for dt in app_doctypes() if not (dt.istable or dt.issingle or dt.is_virtual)]
	pending = [
		(dt, name)
		for dt in [*doctypes, *CORE_DOCTYPES]
		for name in frappe.get_all(dt, {"owner": user}, pluck="name")
	]
	# records link to each other (an opportunity to its customer): delete what can go, then retry the rest
	while pending:
		left = []
		for doctype, name in pending:
			try:
				frappe.delete_doc(doctype, name, force=True, ignore_permissions=True, delete_permanently=True)
			except frappe.LinkExistsError:
				frappe.db.rollback()
				left.append((doctype, name))
			else:
				frappe.db.commit()
		if len(left) == len(pending):
			raise RuntimeError(f"could not delete {left}")
		pending = left
	for doctype in LOG_DOCTYPES:
		frappe.db.delete(doctype, {"owner": user})
	frappe.db.commit()


def e2e_node() -> str:
	"""Node.js, once what the browser tests need is there (Debian's Chromium, playwright-core in tests/e2e)."""
	node = shutil.which("node")
	assert node, "Node.js is needed for the browser tests (see docs/platform.md)"
	assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
	assert (E2E / "node_modules" / "playwright-core").is_dir(), "run `npm ci` in tests/e2e first"
	return node


def run_journeys(node: str, script: str, url: str, env: dict, timeout: int = 600):
	"""Run the browser journeys of tests/e2e/`script` against the server at `url`, with the journey's own
	CRM_E2E_* values in `env`; the finished process (its output captured). The browser is in the site's
	time zone, as its users are: in the machine's (UTC on CI) the desk's calendar opened on another day
	than the site's today from the site's evening on (New York: from 19:00)."""
	time_zone = frappe.db.get_single_value("System Settings", "time_zone")
	return subprocess.run(
		[node, "--test", "--test-concurrency=1", "--test-reporter=spec", script],
		cwd=E2E,
		env={
			**os.environ,
			"CRM_E2E_URL": url,
			"CRM_E2E_CHROMIUM": CHROMIUM,
			"CRM_E2E_TIME_ZONE": time_zone or "",
			**env,
		},
		capture_output=True,
		text=True,
		timeout=timeout,
	)
