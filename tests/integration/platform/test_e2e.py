"""Runs the browser journeys (tests/e2e, playwright-core + Debian's Chromium) against the test server, as a
fresh desk user; everything the journeys create is deleted afterwards. Screenshots: tests/e2e/screenshots/."""

import frappe
from frappe.utils.password import update_password

from tests.integration.factories import make_outgoing_account, make_user, unique
from tests.integration.platform.helpers import (
	API_ROLES,
	E2E,
	delete_records_owned_by,
	e2e_node,
	run_journeys,
)


def test_browser_journeys(server, committed):
	node = e2e_node()

	password = frappe.generate_hash(length=20)
	user = committed(make_user("System Manager", *API_ROLES))
	update_password(user.name, password)
	# replies need a default outgoing account; the queue is never flushed to this fake server
	account = committed(make_outgoing_account(unique("CRM e2e "), f"{unique('e2e-')}@example.com"))
	frappe.db.commit()

	env = {"CRM_E2E_USER": user.name, "CRM_E2E_PASSWORD": password}
	try:
		result = run_journeys(node, "journeys.test.mjs", server.url, env)
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
