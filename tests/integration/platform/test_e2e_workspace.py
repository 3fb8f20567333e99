"""Day one in the browser (tests/e2e/workspace.test.mjs): with the small demo and its nightly jobs committed
on the test site, a CRM Manager (not Administrator) opens the CRM workspace and every link of its cards;
any JavaScript error, failed request, empty card, chart or report fails it. The app's tables (and the
Frappe tables the demo writes: contacts, addresses, their links, naming series, the app's settings) are
copied first and put back afterwards, and demo users the test made are deleted, so the site is left as
found."""

import frappe
from frappe.utils.password import update_password

from crm_suite.analytics import basket, rfm
from crm_suite.sales import scoring
from crm_suite.setup.demo import DEMO_USERS, make_demo
from tests.integration.factories import make_user
from tests.integration.platform.helpers import E2E, e2e_node, run_journeys
from tests.integration.platform.test_schemathesis import app_tables, restore, snapshot

FRAPPE_TABLES = ["tabContact", "tabContact Email", "tabContact Phone", "tabAddress", "tabDynamic Link"]


def test_workspace_journey_on_the_demo(server, committed):
	node = e2e_node()

	password = frappe.generate_hash(length=20)
	user = committed(make_user("CRM Manager"))
	update_password(user.name, password)
	frappe.db.commit()
	demo_users = [u for users in DEMO_USERS.values() for u in users]
	existing_users = set(frappe.get_all("User", filters={"name": ["in", demo_users]}, pluck="name"))
	tables = [*app_tables(), *FRAPPE_TABLES]
	snapshot(tables)
	# `crm-suite demo` finishes the setup wizard (else a desk user lands on it); the test site may not have.
	setup_complete = frappe.db.get_single_value("System Settings", "setup_complete")
	try:
		frappe.db.set_single_value("System Settings", "setup_complete", 1)
		make_demo(seed=21, scale="small")
		rfm.compute_rfm()
		basket.compute_rules()
		scoring.score_open_leads()
		frappe.db.commit()
		env = {"CRM_E2E_USER": user.name, "CRM_E2E_PASSWORD": password}
		result = run_journeys(node, "workspace.test.mjs", server.url, env, timeout=900)
	finally:
		frappe.db.rollback()
		frappe.db.set_single_value("System Settings", "setup_complete", setup_complete)
		frappe.db.commit()
		restore(tables)
		for name in set(demo_users) - existing_users:
			if frappe.db.exists("User", name):
				frappe.delete_doc("User", name, force=True, ignore_permissions=True)
		for email in [user.name, *(set(demo_users) - existing_users)]:  # the Contact Frappe made for a user
			frappe.db.delete("Contact Email", {"email_id": email})
			frappe.db.delete("Contact", {"email_id": email})
		frappe.db.commit()
	assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-3000:]
	assert (E2E / "screenshots" / "21-workspace-last-link.png").exists()
