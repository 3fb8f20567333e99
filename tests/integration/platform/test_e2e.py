"""Runs the browser journeys (tests/e2e, playwright-core + Debian's Chromium) against the test server, as a
fresh desk user; everything the journeys create is deleted afterwards. Screenshots: tests/e2e/screenshots/."""

import os
import shutil
import subprocess
from pathlib import Path

import frappe
from frappe.utils.password import update_password

from tests.integration.factories import make_user, unique
from tests.integration.platform.helpers import API_ROLES, delete_records_owned_by

E2E = Path(__file__).resolve().parents[2] / "e2e"
CHROMIUM = os.environ.get("CRM_E2E_CHROMIUM", "/usr/bin/chromium")


def test_browser_journeys(server, committed):
	node = shutil.which("node")
	assert node, "Node.js is needed for the browser tests (see docs/platform.md)"
	assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
	assert (E2E / "node_modules" / "playwright-core").is_dir(), "run `npm ci` in tests/e2e first"

	password = frappe.generate_hash(length=20)
	user = committed(make_user("System Manager", *API_ROLES))
	update_password(user.name, password)
	# replies need a default outgoing account; the queue is never flushed to this fake server
	account = committed(
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": unique("CRM e2e "),
				"email_id": f"{unique('e2e-')}@example.com",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "smtp.example.invalid",
				"no_smtp_authentication": 1,
			}
		).insert(ignore_permissions=True)
	)
	frappe.db.commit()

	env = {
		**os.environ,
		"CRM_E2E_URL": server.url,
		"CRM_E2E_USER": user.name,
		"CRM_E2E_PASSWORD": password,
		"CRM_E2E_CHROMIUM": CHROMIUM,
	}
	try:
		result = subprocess.run(
			[node, "--test", "--test-concurrency=1", "--test-reporter=spec", "journeys.test.mjs"],
			cwd=E2E,
			env=env,
			capture_output=True,
			text=True,
			timeout=600,
		)
	finally:
		delete_records_owned_by(user.name)
		frappe.db.delete("Email Queue", {"sender": ["like", f"%{account.email_id}%"]})
		frappe.db.commit()
	assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-3000:]
	shots = sorted(p.name for p in (E2E / "screenshots").glob("*.png"))
	assert {
		"01-desk.png",
		"02-lead-created.png",
		"03-lead-converted.png",
		"04-kanban-moved.png",
		"05-ticket-replied.png",
		"06-sales-funnel.png",
		"07-rfm-segmentation.png",
		"08-my-day.png",
		"09-calendar.png",
		"10-activity-on-timeline.png",
		"11-kanban-next-activity.png",
		"12-calendar-moved.png",
		"13-send-sms.png",
	} <= set(shots)
